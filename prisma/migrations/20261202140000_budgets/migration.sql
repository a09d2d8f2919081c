-- CreateEnum
CREATE TYPE "BudgetScopeKind" AS ENUM ('ALL', 'REGION', 'COMPANY');

-- CreateTable
CREATE TABLE "budgets" (
    "id" UUID NOT NULL,
    "scope_kind" "BudgetScopeKind" NOT NULL,
    "scope_value" TEXT NOT NULL,
    "monthly_limit" DECIMAL NOT NULL,
    "thresholds" DECIMAL[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_alerts" (
    "id" BIGSERIAL NOT NULL,
    "budget_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "threshold" DECIMAL NOT NULL,
    "spent" DECIMAL NOT NULL,
    "percent_used" DECIMAL NOT NULL,
    "job_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "budget_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_spend_marks" (
    "budget_id" UUID NOT NULL,
    "month" DATE NOT NULL,
    "spent" DECIMAL NOT NULL,

    CONSTRAINT "budget_spend_marks_pkey" PRIMARY KEY ("budget_id","month")
);

-- CreateIndex
CREATE UNIQUE INDEX "budgets_scope_kind_scope_value_key" ON "budgets"("scope_kind", "scope_value");

-- CreateIndex
CREATE INDEX "budget_alerts_unpublished_idx" ON "budget_alerts"("job_id") WHERE (published_at IS NULL);

-- CreateIndex
CREATE UNIQUE INDEX "budget_alerts_budget_id_month_threshold_key" ON "budget_alerts"("budget_id", "month", "threshold");

-- AddForeignKey
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_spend_marks" ADD CONSTRAINT "budget_spend_marks_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE CASCADE ON UPDATE CASCADE;
