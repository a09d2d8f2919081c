-- AlterTable
ALTER TABLE "ingest_jobs" ADD COLUMN     "dry_run" BOOLEAN NOT NULL DEFAULT false;
