import { graphql } from '../generated/index.js';

/** What `npm run demo` prints once its upload is ingested: every KPI over all data. */
export const DemoKpisQuery = graphql(`
  query DemoKpis {
    dashboard {
      id
      kpis { ...KpiFields }
      dateRange { min max }
    }
  }
`);
