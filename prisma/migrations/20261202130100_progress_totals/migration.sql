-- AlterTable
ALTER TABLE "ingest_jobs" ADD COLUMN     "aggregates_done" REAL NOT NULL DEFAULT 0,
ADD COLUMN     "total_rows_exact" BOOLEAN NOT NULL DEFAULT false;

-- Jobs that completed before this migration had their totals counted by the worker.
UPDATE "ingest_jobs" SET "total_rows_exact" = true
 WHERE "total_rows" IS NOT NULL AND "status" IN ('COMPLETED', 'COMPLETED_WITH_ERRORS');
