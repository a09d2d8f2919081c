-- Uploads stored chunk by chunk (no transaction held open over the network): a lease marks
-- a job whose files are still arriving. Retention: when the uploaded bytes were deleted.
-- AlterTable
ALTER TABLE "ingest_jobs" ADD COLUMN     "files_purged_at" TIMESTAMPTZ(3),
ADD COLUMN     "upload_lease_until" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "ingest_jobs_upload_lease_idx" ON "ingest_jobs"("upload_lease_until") WHERE (upload_lease_until IS NOT NULL);

-- CreateIndex
CREATE INDEX "ingest_jobs_files_retained_idx" ON "ingest_jobs"("finished_at") WHERE (files_purged_at IS NULL);
