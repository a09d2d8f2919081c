-- Distinct conversations by span (src/dashboard/distinct-sets.ts). A conversation whose
-- rows lie in several cells of one (date, region, company), i.e. several models, is
-- additive at the grains without models and for questions grouped by model; only the
-- others ('wide') need bit sets there. The grains with companies number their members in
-- (company, date, region) order, in blocks of 256 bits, so a cell's members sit in one run.

-- AlterTable
ALTER TABLE "daily_cell_metrics" ADD COLUMN "model_spanning_conversations" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "daily_model_metrics" ADD COLUMN "model_spanning_conversations" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "conversation_seqs" ADD COLUMN "company_seq" INTEGER;

UPDATE "conversation_seqs" s SET "company_seq" = n.number
  FROM (SELECT s.conversation_id,
               row_number() OVER (ORDER BY min(c.company), min(c.date), min(c.region), s.conversation_id) AS number
          FROM "conversation_seqs" s LEFT JOIN "conversation_cells" c USING (conversation_id)
         GROUP BY s.conversation_id) n
 WHERE s.conversation_id = n.conversation_id;

ALTER TABLE "conversation_seqs" ALTER COLUMN "company_seq" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "conversation_seqs_company_seq_key" ON "conversation_seqs"("company_seq");

-- Each stored conversation's span, from the cells it touches.
CREATE TEMP TABLE conversation_spans AS
SELECT conversation_id,
       CASE WHEN count(*) = 1 THEN 'solo'
            WHEN min(date) = max(date) AND min(region) = max(region) AND min(company) = max(company) THEN 'models'
            ELSE 'wide' END AS span,
       min(model) AS first_model
  FROM "conversation_cells" GROUP BY 1;

UPDATE "daily_cell_metrics" m SET "model_spanning_conversations" = x.n
  FROM (SELECT c.date, c.region, c.company, c.model, count(*)::int AS n
          FROM "conversation_cells" c JOIN conversation_spans s USING (conversation_id)
         WHERE s.span = 'models' GROUP BY 1, 2, 3, 4) x
 WHERE (m.date, m.region, m.company, m.model) = (x.date, x.region, x.company, x.model);

UPDATE "daily_model_metrics" m SET "model_spanning_conversations" = x.n
  FROM (SELECT c.date, c.region, c.model, count(*)::int AS n
          FROM "conversation_cells" c JOIN conversation_spans s USING (conversation_id)
         WHERE s.span = 'models' GROUP BY 1, 2, 3) x
 WHERE (m.date, m.region, m.model) = (x.date, x.region, x.model);

-- The rollups without models count a 'models' conversation once, as solo.
UPDATE "daily_company_metrics" m SET "solo_conversations" = m.solo_conversations + x.n
  FROM (SELECT c.date, c.region, c.company, count(*)::int AS n
          FROM "conversation_cells" c JOIN conversation_spans s USING (conversation_id)
         WHERE s.span = 'models' AND c.model = s.first_model GROUP BY 1, 2, 3) x
 WHERE (m.date, m.region, m.company) = (x.date, x.region, x.company);

UPDATE "daily_metrics" m SET "solo_conversations" = m.solo_conversations + x.n
  FROM (SELECT c.date, c.region, count(*)::int AS n
          FROM "conversation_cells" c JOIN conversation_spans s USING (conversation_id)
         WHERE s.span = 'models' AND c.model = s.first_model GROUP BY 1, 2) x
 WHERE (m.date, m.region) = (x.date, x.region);

-- The conversation sets rebuilt: 'wide' members at every grain, 'models' members at the
-- grains with models; seq in blocks of 4096 without companies, company_seq in 256 with.
DELETE FROM "distinct_sets" WHERE kind = 'conversations';

INSERT INTO "distinct_sets" (kind, grain, date, region, company, model, block, bits)
SELECT CASE WHEN s.span = 'wide' THEN 'conversations' ELSE 'model_conversations' END,
       g.grain, c.date, g.region, g.company, g.model,
       CASE WHEN g.by_company THEN q.company_seq / 256 ELSE q.seq / 4096 END,
       CASE WHEN g.by_company THEN bit_or(B'1'::bit(256) >> (q.company_seq % 256))::varbit
            ELSE bit_or(B'1'::bit(4096) >> (q.seq % 4096))::varbit END
  FROM "conversation_cells" c
  JOIN conversation_spans s USING (conversation_id)
  JOIN "conversation_seqs" q USING (conversation_id)
 CROSS JOIN LATERAL (VALUES ('date_region_company_model', c.region, c.company, c.model, true),
                            ('date_region', c.region, '', '', false),
                            ('date_region_model', c.region, '', c.model, false),
                            ('date_region_company', c.region, c.company, '', true),
                            ('date_company_model', '', c.company, c.model, true))
       AS g (grain, region, company, model, by_company)
 WHERE s.span = 'wide' OR (s.span = 'models' AND g.grain IN ('date_region_company_model', 'date_region_model', 'date_company_model'))
 GROUP BY 1, 2, 3, 4, 5, 6, g.by_company, 7;

DROP TABLE conversation_spans;

-- Sums over cells filtered by company read this index alone: it carries the regions and
-- the measures, so no heap page is visited (6.5 → 3.8 ms for half the cells at 10M).
-- Prisma cannot state INCLUDE, so the measures are key columns.
DROP INDEX "daily_cell_metrics_company_model_date_idx";

-- CreateIndex
CREATE INDEX "daily_cell_metrics_covering_idx" ON "daily_cell_metrics"("company", "model", "region", "date", "cost", "prompt_tokens", "completion_tokens", "solo_conversations", "model_spanning_conversations");
