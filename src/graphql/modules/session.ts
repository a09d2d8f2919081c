// What the caller's token allows, so a frontend can hide what it may not do (the web
// console shows upload, cancel, retry and budget editing to admins only). The server still
// checks every mutation; this only spares a viewer buttons that would answer FORBIDDEN.
import { builder } from '../builder.js';

const RoleEnum = builder.enumType('Role', {
  description: 'ADMIN: every operation; VIEWER: queries and subscriptions (AUTH_TOKENS). Without auth every caller is ADMIN.',
  values: ['ADMIN', 'VIEWER'] as const,
});

builder.queryField('viewerRole', (t) =>
  t.field({
    type: RoleEnum,
    description: "The role of the caller's token.",
    // useAuth refuses a request without a valid role before any field resolves.
    resolve: (_root, _args, context) => (context.role === 'admin' ? 'ADMIN' : 'VIEWER'),
  }),
);
