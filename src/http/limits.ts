// Abuse limits on every operation (HTTP and WebSocket): graphql-armor's depth, alias,
// token, directive and cost limits, field suggestions off in production, and a code on
// every parse/validation error so clients can switch on it like on the domain errors.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Sized from our own operations, measured with these rules: the deepest (Job, Jobs) is 5
 * levels, the costliest (Jobs) 249, the longest (Job) 90 tokens; a dashboard query
 * asking for every KPI and series is depth 3, cost 146, 125 tokens.
 */
export const QUERY_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 30,
  maxCost: 5000,
} as const;

export const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';
export const PARSE_FAILED = 'GRAPHQL_PARSE_FAILED';

// Report instead of throwing from inside graphql's visitor: a throw would escape
// validate() as an exception instead of a validation error.
const reportToContext = (ctx: ValidationContext | null, error: GraphQLError) => {
  ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: VALIDATION_FAILED } }));
};
const report = { propagateOnRejection: false, onReject: [reportToContext] };

export function armorConfig(production: boolean): GraphQLArmorConfig {
  return {
    maxDepth: { n: QUERY_LIMITS.maxDepth, flattenFragments: true, ...report },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...report },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...report },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ...report },
    // Counted while parsing (no validation context): it throws a GraphQLError from parse.
    maxTokens: { n: QUERY_LIMITS.maxTokens },
    blockFieldSuggestion: { enabled: production },
  };
}

const withCode = (error: GraphQLError, code: string) =>
  error.extensions?.code
    ? error
    : new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: { ...error.extensions, code },
      });

/** Parse and validation errors get extensions.code (GRAPHQL_PARSE_FAILED / _VALIDATION_FAILED). */
export function useErrorCodesForInvalidDocuments(): Plugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (result instanceof GraphQLError) replaceParseResult(withCode(result, PARSE_FAILED));
      };
    },
    onValidate() {
      return ({ result, setResult }) => {
        if (result.length) setResult(result.map((error) => withCode(error, VALIDATION_FAILED)));
      };
    },
  };
}

export function useQueryLimits(production: boolean): Plugin[] {
  return [EnvelopArmorPlugin(armorConfig(production)) as Plugin, useErrorCodesForInvalidDocuments()];
}
