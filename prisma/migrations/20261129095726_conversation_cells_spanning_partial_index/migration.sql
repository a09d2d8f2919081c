-- DropIndex
DROP INDEX "conversation_cells_spans_cells_date_idx";

-- CreateIndex
CREATE INDEX "conversation_cells_spanning_date_idx" ON "conversation_cells"("date") WHERE (spans_cells);
