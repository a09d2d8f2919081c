-- CreateEnum
CREATE TYPE "TokenType" AS ENUM ('prompt', 'completion');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "JobStage" AS ENUM ('USERS', 'TRANSACTIONS', 'AGGREGATES');

-- CreateEnum
CREATE TYPE "FileKind" AS ENUM ('USERS', 'TRANSACTIONS');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "is_active_sub" BOOLEAN NOT NULL,
    "department" TEXT,
    "company" TEXT,
    "signup_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transactions" (
    "row_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "user_seq" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "conversation_id" UUID NOT NULL,
    "token_type" "TokenType" NOT NULL,
    "token_count" BIGINT NOT NULL,
    "rate_per_1k" DECIMAL NOT NULL,
    "cost" DECIMAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(6) NOT NULL,
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "job_id" UUID NOT NULL,

    CONSTRAINT "transactions_pkey" PRIMARY KEY ("row_id")
);

-- CreateTable
CREATE TABLE "daily_metrics" (
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "cost" DECIMAL NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "transactions" INTEGER NOT NULL,
    "conversations" INTEGER NOT NULL,
    "active_users" INTEGER NOT NULL,

    CONSTRAINT "daily_metrics_pkey" PRIMARY KEY ("date","region")
);

-- CreateTable
CREATE TABLE "daily_model_metrics" (
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "cost" DECIMAL NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "transactions" INTEGER NOT NULL,
    "conversations" INTEGER NOT NULL,
    "active_users" INTEGER NOT NULL,

    CONSTRAINT "daily_model_metrics_pkey" PRIMARY KEY ("date","region","model")
);

-- CreateTable
CREATE TABLE "daily_company_metrics" (
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "cost" DECIMAL NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "transactions" INTEGER NOT NULL,
    "conversations" INTEGER NOT NULL,
    "active_users" INTEGER NOT NULL,

    CONSTRAINT "daily_company_metrics_pkey" PRIMARY KEY ("date","region","company")
);

-- CreateTable
CREATE TABLE "daily_cell_metrics" (
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "cost" DECIMAL NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,
    "transactions" INTEGER NOT NULL,
    "solo_conversations" INTEGER NOT NULL,

    CONSTRAINT "daily_cell_metrics_pkey" PRIMARY KEY ("date","region","company","model")
);

-- CreateTable
CREATE TABLE "conversation_cells" (
    "conversation_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "spans_cells" BOOLEAN NOT NULL,

    CONSTRAINT "conversation_cells_pkey" PRIMARY KEY ("conversation_id","date","region","company","model")
);

-- CreateTable
CREATE TABLE "user_cells" (
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "user_seq" INTEGER NOT NULL,

    CONSTRAINT "user_cells_pkey" PRIMARY KEY ("date","region","company","model","user_seq")
);

-- CreateTable
CREATE TABLE "data_version" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,
    "as_of" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_job_id" UUID,

    CONSTRAINT "data_version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ingest_jobs" (
    "id" UUID NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'QUEUED',
    "stage" "JobStage",
    "error" TEXT,
    "warnings" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "stage_timings" JSONB NOT NULL DEFAULT '{}',
    "processed_rows" BIGINT NOT NULL DEFAULT 0,
    "total_rows" BIGINT,
    "processed_bytes" BIGINT NOT NULL DEFAULT 0,
    "total_bytes" BIGINT NOT NULL DEFAULT 0,
    "rejected_count" INTEGER NOT NULL DEFAULT 0,
    "progress_seq" INTEGER NOT NULL DEFAULT 0,
    "cancel_requested" BOOLEAN NOT NULL DEFAULT false,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_files" (
    "id" UUID NOT NULL,
    "job_id" UUID NOT NULL,
    "kind" "FileKind" NOT NULL,
    "name" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "total_rows" INTEGER NOT NULL DEFAULT 0,
    "inserted_rows" INTEGER NOT NULL DEFAULT 0,
    "updated_rows" INTEGER NOT NULL DEFAULT 0,
    "unchanged_rows" INTEGER NOT NULL DEFAULT 0,
    "rejected_rows" INTEGER NOT NULL DEFAULT 0,
    "committed_records" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "job_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "upload_chunks" (
    "file_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "upload_chunks_pkey" PRIMARY KEY ("file_id","seq")
);

-- CreateTable
CREATE TABLE "job_affected_dates" (
    "job_id" UUID NOT NULL,
    "date" DATE NOT NULL,

    CONSTRAINT "job_affected_dates_pkey" PRIMARY KEY ("job_id","date")
);

-- CreateTable
CREATE TABLE "rejected_rows" (
    "id" BIGSERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "file" "FileKind" NOT NULL,
    "line" INTEGER NOT NULL,
    "column" TEXT,
    "reason" TEXT NOT NULL,
    "raw" TEXT NOT NULL,

    CONSTRAINT "rejected_rows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_seq_key" ON "users"("seq");

-- CreateIndex
CREATE INDEX "transactions_date_idx" ON "transactions"("date");

-- CreateIndex
CREATE INDEX "conversation_cells_date_idx" ON "conversation_cells"("date");

-- CreateIndex
CREATE INDEX "conversation_cells_spans_cells_date_idx" ON "conversation_cells"("spans_cells", "date");

-- CreateIndex
CREATE INDEX "ingest_jobs_created_at_id_idx" ON "ingest_jobs"("created_at" DESC, "id");

-- CreateIndex
CREATE INDEX "ingest_jobs_status_created_at_idx" ON "ingest_jobs"("status", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "job_files_job_id_kind_key" ON "job_files"("job_id", "kind");

-- CreateIndex
CREATE INDEX "rejected_rows_job_id_id_idx" ON "rejected_rows"("job_id", "id");

-- AddForeignKey
ALTER TABLE "job_files" ADD CONSTRAINT "job_files_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "ingest_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "upload_chunks" ADD CONSTRAINT "upload_chunks_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "job_files"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_affected_dates" ADD CONSTRAINT "job_affected_dates_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "ingest_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rejected_rows" ADD CONSTRAINT "rejected_rows_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "ingest_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
