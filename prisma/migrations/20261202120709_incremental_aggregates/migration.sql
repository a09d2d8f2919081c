-- DropIndex
DROP INDEX "transactions_date_idx";

-- AlterTable
ALTER TABLE "conversation_cells" ADD COLUMN     "transactions" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "transactions" ADD COLUMN     "agg_batch" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "user_cells" ADD COLUMN     "transactions" INTEGER NOT NULL DEFAULT 0;

-- DropTable (a date still pending here keeps its aggregates as they are; every stored row
-- counts as aggregated, batch 0, from now on)
DROP TABLE "aggregate_pending_dates";

-- CreateTable
CREATE TABLE "aggregate_batches" (
    "id" SERIAL NOT NULL,
    "job_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "aggregate_batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "aggregate_pending" (
    "batch" INTEGER NOT NULL,
    "date" DATE NOT NULL,

    CONSTRAINT "aggregate_pending_pkey" PRIMARY KEY ("batch","date")
);

-- CreateTable
CREATE TABLE "aggregate_retractions" (
    "id" BIGSERIAL NOT NULL,
    "batch" INTEGER NOT NULL,
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "conversation_id" UUID NOT NULL,
    "user_seq" INTEGER NOT NULL,
    "cost" DECIMAL NOT NULL,
    "prompt_tokens" BIGINT NOT NULL,
    "completion_tokens" BIGINT NOT NULL,

    CONSTRAINT "aggregate_retractions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "aggregate_batches_job_id_idx" ON "aggregate_batches"("job_id");

-- CreateIndex
CREATE INDEX "aggregate_retractions_batch_date_idx" ON "aggregate_retractions"("batch", "date");

-- CreateIndex
CREATE INDEX "transactions_agg_batch_date_idx" ON "transactions"("agg_batch", "date");

-- CreateIndex
CREATE INDEX "user_cells_user_seq_date_idx" ON "user_cells"("user_seq", "date");

-- Backfill: rows per (conversation, cell) and per (user, cell), from the stored rows.
UPDATE "conversation_cells" c SET "transactions" = t.n
  FROM (SELECT conversation_id, date, region, company, model, count(*)::int AS n FROM "transactions" GROUP BY 1, 2, 3, 4, 5) t
 WHERE (c.conversation_id, c.date, c.region, c.company, c.model) = (t.conversation_id, t.date, t.region, t.company, t.model);
UPDATE "user_cells" c SET "transactions" = t.n
  FROM (SELECT user_seq, date, region, company, model, count(*)::int AS n FROM "transactions" GROUP BY 1, 2, 3, 4, 5) t
 WHERE (c.user_seq, c.date, c.region, c.company, c.model) = (t.user_seq, t.date, t.region, t.company, t.model);
