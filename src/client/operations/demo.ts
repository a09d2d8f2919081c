import { graphql } from '../generated/index.js';

/** What `npm run demo` prints once its upload is ingested: every KPI over all data. */
export const DemoKpisQuery = graphql(`
  query DemoKpis {
    dashboard {
      kpis {
        totalCost
        promptTokens
        completionTokens
        totalTokens
        conversations
        activeDays
        avgSpendPerDay
        avgTokensPerDay
        avgTokensPerConversation
        highestUsedModel
        leastUsedModel
        costliestModel
        modelEfficiency
        activeSubscriberUtilization
      }
      dateRange { min max }
    }
  }
`);
