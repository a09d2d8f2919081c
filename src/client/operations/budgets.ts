import { graphql } from '../generated/index.js';

// Budgets as a frontend shows them: the budget table for a month, the alert list, the
// live alert feed, and the admin's set/delete. These ship in the persisted documents.

export const BudgetFieldsFragment = graphql(`
  fragment BudgetFields on Budget {
    id
    scope { kind value }
    monthlyLimit
    thresholds
  }
`);

export const BudgetAlertFieldsFragment = graphql(`
  fragment BudgetAlertFields on BudgetAlert {
    id
    budget { ...BudgetFields }
    month
    threshold
    spent
    percentUsed
    jobId
    createdAt
  }
`);

/** One row per budget: spend, forecast and exhaustion date for the month (default: the latest). */
export const BudgetsQuery = graphql(`
  query Budgets($month: String) {
    budgets(month: $month) {
      budget { ...BudgetFields }
      month
      spent
      percentUsed
      projectedSpend
      projectedPercent
      exhaustionDate
    }
  }
`);

export const BudgetAlertsQuery = graphql(`
  query BudgetAlerts($first: Int, $after: String) {
    budgetAlerts(first: $first, after: $after) {
      edges { cursor node { ...BudgetAlertFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

/** Every alert as it is raised (before its job reports COMPLETED). */
export const BudgetAlertsLiveSubscription = graphql(`
  subscription BudgetAlertsLive {
    budgetAlerts { ...BudgetAlertFields }
  }
`);

export const SetBudgetMutation = graphql(`
  mutation SetBudget($input: SetBudgetInput!) {
    setBudget(input: $input) { ...BudgetFields }
  }
`);

export const DeleteBudgetMutation = graphql(`
  mutation DeleteBudget($id: ID!) {
    deleteBudget(id: $id)
  }
`);
