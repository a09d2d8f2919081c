import { graphql } from '../generated/index.js';

/** The caller's role: a console shows admin-only controls (upload, cancel, retry, budget edits) when ADMIN. */
export const ViewerRoleQuery = graphql(`
  query ViewerRole {
    viewerRole
  }
`);
