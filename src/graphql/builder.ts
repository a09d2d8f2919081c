// The Pothos builder: plugins, scalars and the context type only. Types and fields live
// beside their domain in ./modules.
import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';
import { Upload, type FileUpload } from 'graphql-upload-minimal';
import type PrismaTypes from '../generated/pothos-types.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  // Non-null unless a field says otherwise: clients get precise types.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    Date: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date };
    File: { Input: Promise<FileUpload>; Output: never };
  };
}>({
  plugins: [PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
  },
});

/**
 * Said by every object type without an id. Entities (Job, JobFile, RejectedRow, Dashboard)
 * have an `id`; everything else is a value that belongs to its parent.
 */
export const EMBEDDED = 'A value without an id: normalized caches keep it inside the object that holds it.';

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Year 0000 is a real ISO date in JavaScript but not in PostgreSQL (there is no year 0):
// the range is the one both agree on, and the four-digit form cannot go past 9999.
const MIN_DATE = '0001-01-01';
const MAX_DATE = '9999-12-31';

/** A calendar date `YYYY-MM-DD` that really exists (2023-02-30 is refused), years 0001–9999. */
export function parseDate(value: unknown): string {
  const match = typeof value === 'string' ? DATE_RE.exec(value) : null;
  const parsed = match ? new Date(`${value as string}T00:00:00Z`) : null;
  const real = parsed !== null && !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
  if (!real || (value as string) < MIN_DATE) {
    throw new GraphQLError(
      `Date must be a real calendar date YYYY-MM-DD from ${MIN_DATE} to ${MAX_DATE}, got ${describeValue(value)}`,
      { extensions: { code: 'BAD_USER_INPUT' } },
    );
  }
  return value as string;
}

/** The rejected value for a message: JSON, cut short so a huge input is not echoed back. */
function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

builder.scalarType('Date', {
  description: 'A UTC calendar date, YYYY-MM-DD.',
  serialize: (value) => value,
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : valueFromASTUntyped(ast)),
});

builder.scalarType('DateTime', {
  description: 'An instant, ISO 8601 in UTC.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be ISO 8601', { extensions: { code: 'BAD_USER_INPUT' } });
    return date;
  },
});

// graphql-upload-minimal's own scalar is named and worded "Upload"; ours says File and how to send one.
const FILE_HOW = 'send the file as a part of a GraphQL multipart request and map it to this variable';
builder.scalarType('File', {
  description:
    'A file sent as a part of a GraphQL multipart request (https://github.com/jaydenseric/graphql-multipart-request-spec), ' +
    'mapped to a variable; it cannot be written in the query text nor returned.',
  parseValue: (value) => {
    if (value instanceof Upload) return value.promise;
    throw new GraphQLError(`File value invalid: ${FILE_HOW}, got ${describeValue(value)}`, { extensions: { code: 'BAD_USER_INPUT' } });
  },
  parseLiteral: (ast) => {
    throw new GraphQLError(`A File cannot be written in the query: ${FILE_HOW}`, { nodes: ast, extensions: { code: 'BAD_USER_INPUT' } });
  },
  serialize: () => {
    throw new GraphQLError('A File cannot be returned');
  },
});
