// The full dashboard operation (every field), how to run it through the app's real
// GraphQL endpoint, and a field-by-field comparison with the reference.
import { expect } from 'vitest';
import type { App } from '../../src/http/app.js';

const KPIS = `
  totalCost promptTokens completionTokens totalTokens conversations activeDays
  avgSpendPerDay avgTokensPerDay avgTokensPerConversation
  highestUsedModel leastUsedModel costliestModel modelEfficiency activeSubscriberUtilization`;

/** Every field of `dashboard` (previousPeriod and spendAnomalies included). */
export const FULL_DASHBOARD = /* GraphQL */ `
  query Dashboard($filter: DashboardFilter, $granularity: Granularity, $limit: Int) {
    dashboard(filter: $filter) {
      kpis { ${KPIS} }
      spendTrend(granularity: $granularity) { bucketStart cost totalTokens conversations activeUsers }
      costByModel { model cost promptTokens completionTokens conversations efficiency }
      costByRegion { region cost conversations activeUsers }
      topCompanies(limit: $limit) { company cost conversations activeUsers highestUsedModel }
      subscribers { region active inactive engaged }
      dateRange { min max }
      regions companies models
      meta { asOf lastJobId }
      previousPeriod { from to kpis { ${KPIS} } }
      spendAnomalies { date cost baseline score direction }
    }
  }
`;

/** The kpis of an empty set of transactions (activeSubscriberUtilization depends on the users). */
export const EMPTY_KPIS = {
  totalCost: 0,
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  conversations: 0,
  activeDays: 0,
  avgSpendPerDay: null,
  avgTokensPerDay: null,
  avgTokensPerConversation: null,
  highestUsedModel: null,
  leastUsedModel: null,
  costliestModel: null,
  modelEfficiency: null,
};

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

export async function graphql<T = Record<string, unknown>>(
  app: App,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await app.yoga.fetch('http://x/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Counts and token totals must be equal; money and ratios within 1e-6. */
const EXACT = new Set([
  'conversations',
  'activeDays',
  'activeUsers',
  'active',
  'inactive',
  'engaged',
  'promptTokens',
  'completionTokens',
  'totalTokens',
]);

export function expectSameDashboard(actual: unknown, expected: unknown, path = 'dashboard'): void {
  if (typeof expected === 'number') {
    expect(typeof actual, `${path} type`).toBe('number');
    const key = path.slice(path.lastIndexOf('.') + 1);
    if (EXACT.has(key)) expect(actual, path).toBe(expected);
    else expect(Math.abs((actual as number) - expected), `${path}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(1e-6);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is a list`).toBe(true);
    const list = actual as unknown[];
    expect(list.length, `${path} length`).toBe(expected.length);
    expected.forEach((item, index) => expectSameDashboard(list[index], item, `${path}[${index}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual, `${path} present`).toBeTypeOf('object');
    expect(actual, `${path} present`).not.toBeNull();
    const object = actual as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) expectSameDashboard(object[key], value, `${path}.${key}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}
