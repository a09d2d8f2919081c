-- CreateTable
CREATE TABLE "aggregate_pending_dates" (
    "date" DATE NOT NULL,

    CONSTRAINT "aggregate_pending_dates_pkey" PRIMARY KEY ("date")
);
