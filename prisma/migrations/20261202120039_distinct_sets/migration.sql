-- AlterTable
ALTER TABLE "daily_company_metrics" ADD COLUMN     "solo_conversations" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "daily_metrics" ADD COLUMN     "solo_conversations" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "daily_model_metrics" ADD COLUMN     "solo_conversations" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "conversation_seqs" (
    "conversation_id" UUID NOT NULL,
    "seq" SERIAL NOT NULL,

    CONSTRAINT "conversation_seqs_pkey" PRIMARY KEY ("conversation_id")
);

-- CreateTable
CREATE TABLE "distinct_sets" (
    "kind" TEXT NOT NULL,
    "grain" TEXT NOT NULL,
    "date" DATE NOT NULL,
    "region" TEXT NOT NULL,
    "company" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "block" INTEGER NOT NULL,
    "bits" VARBIT NOT NULL,

    CONSTRAINT "distinct_sets_pkey" PRIMARY KEY ("kind","grain","date","region","company","model","block")
);

-- CreateIndex
CREATE UNIQUE INDEX "conversation_seqs_seq_key" ON "conversation_seqs"("seq");

-- Backfill from the helper tables already stored (the worker keeps them current from now on).
UPDATE "daily_metrics" m SET "solo_conversations" = s.solo
  FROM (SELECT date, region, sum(solo_conversations)::int AS solo FROM "daily_cell_metrics" GROUP BY 1, 2) s
 WHERE (m.date, m.region) = (s.date, s.region);
UPDATE "daily_model_metrics" m SET "solo_conversations" = s.solo
  FROM (SELECT date, region, model, sum(solo_conversations)::int AS solo FROM "daily_cell_metrics" GROUP BY 1, 2, 3) s
 WHERE (m.date, m.region, m.model) = (s.date, s.region, s.model);
UPDATE "daily_company_metrics" m SET "solo_conversations" = s.solo
  FROM (SELECT date, region, company, sum(solo_conversations)::int AS solo FROM "daily_cell_metrics" GROUP BY 1, 2, 3) s
 WHERE (m.date, m.region, m.company) = (s.date, s.region, s.company);

INSERT INTO "conversation_seqs" ("conversation_id")
SELECT conversation_id FROM "conversation_cells" WHERE spans_cells GROUP BY 1 ORDER BY min(date), 1;

INSERT INTO "distinct_sets" (kind, grain, date, region, company, model, block, bits)
SELECT 'conversations', 'date_region_company_model', c.date, c.region, c.company, c.model, s.seq / 4096,
       bit_or(B'1'::bit(4096) >> (s.seq % 4096))
  FROM "conversation_cells" c JOIN "conversation_seqs" s USING (conversation_id)
 WHERE c.spans_cells
 GROUP BY 3, 4, 5, 6, 7
UNION ALL
SELECT 'users', 'date_region_company_model', date, region, company, model, user_seq / 4096,
       bit_or(B'1'::bit(4096) >> (user_seq % 4096))
  FROM "user_cells" GROUP BY 3, 4, 5, 6, 7;

INSERT INTO "distinct_sets" (kind, grain, date, region, company, model, block, bits)
SELECT kind, 'date_region', date, region, '', '', block, bit_or(bits)
  FROM "distinct_sets" WHERE grain = 'date_region_company_model' GROUP BY kind, date, region, block
UNION ALL
SELECT kind, 'date_region_model', date, region, '', model, block, bit_or(bits)
  FROM "distinct_sets" WHERE grain = 'date_region_company_model' GROUP BY kind, date, region, model, block
UNION ALL
SELECT kind, 'date_region_company', date, region, company, '', block, bit_or(bits)
  FROM "distinct_sets" WHERE grain = 'date_region_company_model' GROUP BY kind, date, region, company, block;
