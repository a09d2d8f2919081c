-- CreateIndex
CREATE INDEX "daily_cell_metrics_company_model_date_idx" ON "daily_cell_metrics"("company", "model", "date");
