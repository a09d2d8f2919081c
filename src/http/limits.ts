// Abuse limits on every operation (HTTP and WebSocket): graphql-armor's depth, alias,
// token and directive limits, field suggestions off in production, a code on every
// parse/validation error so clients can switch on it like on the domain errors, and our
// own cost limit, computed once the variables are known (see operationCost).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLArmorConfig } from '@escape.tech/graphql-armor-types';
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type ExecutionArgs,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_TOP_COMPANIES } from '../dashboard/filter.js';
import { FileKind, JobStage } from '../generated/prisma/enums.js';
import { JOBS_PAGE, REJECTED_ROWS_PAGE } from '../graphql/modules/jobs.js';
import { BUDGET_ALERTS_PAGE } from '../graphql/modules/budgets.js';
import { collectFields, executedOperation, rootType, type ExecutedOperation } from './operation-fields.js';

/**
 * Sized from our own operations, measured with these rules: the deepest (Job, Jobs) is 5
 * levels, the longest (Job) 90 tokens. Costs (operationCost, at the largest variables a
 * client may send): Jobs with first: 100 is 3,605, Job with rejectedFirst: 500 is 3,040,
 * the full dashboard with limit: 100 is 2,640 (4,489 with previousPeriod and
 * spendAnomalies, a year of anomalies); a page of jobs each with a page of
 * rejected rows (jobs(first: 100) { … rejectedRows(first: 500) … }) is about 300,000.
 */
export const QUERY_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2000,
  maxDirectives: 30,
  maxCost: 10_000,
} as const;

const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';
const PARSE_FAILED = 'GRAPHQL_PARSE_FAILED';

// Report instead of throwing from inside graphql's visitor: a throw would escape
// validate() as an exception instead of a validation error.
const reportToContext = (ctx: ValidationContext | null, error: GraphQLError) => {
  ctx?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: VALIDATION_FAILED } }));
};
const report = { propagateOnRejection: false, onReject: [reportToContext] };

function armorConfig(production: boolean): GraphQLArmorConfig {
  return {
    maxDepth: { n: QUERY_LIMITS.maxDepth, flattenFragments: true, ...report },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...report },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...report },
    // Armor's cost limit reads literals only (a variable page size costs nothing there);
    // operationCost replaces it.
    costLimit: { enabled: false },
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
function useErrorCodesForInvalidDocuments(): Plugin {
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
  return [EnvelopArmorPlugin(armorConfig(production)) as Plugin, useErrorCodesForInvalidDocuments(), useCostLimit(QUERY_LIMITS.maxCost)];
}

// ---- Cost ------------------------------------------------------------------------------
// Every field costs 1; the fields under a list cost once per item it may hold: a
// connection's edges as many as the page asks for (first/last, else the default, never
// above the resolver's maximum), other lists their known bound. What the resolvers clamp
// or refuse and what the cost counts come from the same constants.

type Args = Record<string, unknown> | null;
/** How many items a list field may return, from its arguments (null: unreadable → the maximum). */
type ListSize = (args: Args) => number;

const page =
  ({ defaultSize, maxSize }: { defaultSize: number; maxSize: number }): ListSize =>
  (args) => {
    if (!args) return maxSize;
    const requested = (args.first ?? args.last ?? defaultSize) as number;
    return Math.max(0, Math.min(requested, maxSize));
  };
const fixed = (size: number): ListSize => () => size;
const limitArgument =
  (defaultSize: number, maxSize: number): ListSize =>
  (args) =>
    Math.max(0, Math.min((args?.limit ?? defaultSize) as number, maxSize));

/** Lists sized by their data, not by an argument: a nominal bound (models, regions of a dataset). */
const DATA_SIZED = 20;
/** Budgets are set by admins, one per scope (ALL, a region, a company): a nominal bound. */
const NOMINAL_BUDGETS = 100;
/** Trend buckets: a year of them at each granularity. */
const TREND_BUCKETS: Record<string, number> = { DAY: 366, WEEK: 53, MONTH: 12 };

/** Connection fields: the page size multiplies their `edges`. */
export const PAGE_SIZES: Readonly<Record<string, ListSize>> = {
  'Query.jobs': page(JOBS_PAGE),
  'Job.rejectedRows': page(REJECTED_ROWS_PAGE),
  'Query.budgetAlerts': page(BUDGET_ALERTS_PAGE),
};

/** Every other list of objects in the schema (a test checks none is missing). */
export const LIST_SIZES: Readonly<Record<string, ListSize>> = {
  'Job.files': fixed(Object.keys(FileKind).length),
  'Job.stageTimings': fixed(Object.keys(JobStage).length),
  'Dashboard.topCompanies': limitArgument(10, MAX_TOP_COMPANIES),
  'Dashboard.spendTrend': (args) => TREND_BUCKETS[String(args?.granularity ?? 'DAY')] ?? TREND_BUCKETS.DAY!,
  'Dashboard.costByModel': fixed(DATA_SIZED),
  'Dashboard.costByRegion': fixed(DATA_SIZED),
  'Dashboard.subscribers': fixed(DATA_SIZED),
  // At most one per day judged; a year of days bounds what a client should ask for.
  'Dashboard.spendAnomalies': fixed(TREND_BUCKETS.DAY!),
  // One per budget: a few per region and company of a deployment.
  'Query.budgets': fixed(NOMINAL_BUDGETS),
};

/** A list missing from LIST_SIZES (never in our schema; the test makes sure). */
const UNKNOWN_LIST_SIZE = 100;

function fieldDefinition(schema: GraphQLSchema, parentType: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parentType === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
}

function argumentsOf(op: ExecutedOperation, field: GraphQLField<unknown, unknown>, node: Parameters<typeof getArgumentValues>[1]): Args {
  try {
    return getArgumentValues(field, node, op.variables);
  } catch {
    // Execution fails this field; its siblings still run, so cost it at the maximum.
    return null;
  }
}

function selectionCost(op: ExecutedOperation, selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, pageSize?: number): number {
  let total = 0;
  for (const { node, parentType: type } of collectFields(op, selectionSet, parentType)) {
    total += 1;
    const field = fieldDefinition(op.schema, type, node.name.value);
    const childType = field ? getNamedType(field.type) : undefined;
    if (!node.selectionSet || !field || !isCompositeType(childType)) continue;
    const coordinate = `${type.name}.${node.name.value}`;
    const args = () => argumentsOf(op, field, node);
    const connection = PAGE_SIZES[coordinate];
    let items = 1;
    if (isListType(getNullableType(field.type))) {
      if (node.name.value === 'edges' && pageSize !== undefined) items = pageSize;
      else if (childType.name.startsWith('__')) items = 1; // introspection: bounded by the schema
      else items = (LIST_SIZES[coordinate] ?? fixed(UNKNOWN_LIST_SIZE))(args());
    }
    total += items * selectionCost(op, node.selectionSet, childType, connection?.(args()));
  }
  return total;
}

/** The cost of the operation as it will execute with these variables (see the model above). */
export function operationCost(op: ExecutedOperation): number {
  const root = rootType(op);
  return root ? selectionCost(op, op.operation.selectionSet, root) : 0;
}

function tooCostly(cost: number, maxCost: number, overHttp: boolean): GraphQLError {
  return new GraphQLError(
    `Query cost ${cost} exceeds the limit of ${maxCost}: each field costs 1, and the fields under a list once per item it may return (first/last/limit, or the default page size); ask for smaller pages or fewer aliases`,
    { extensions: { code: VALIDATION_FAILED, cost, maxCost, ...(overHttp ? { http: { status: 400 } } : {}) } },
  );
}

/** Refuses an operation whose cost, with its variables, exceeds maxCost (HTTP 400). */
function useCostLimit(maxCost: number): Plugin {
  const check = (args: ExecutionArgs, refuse: (result: { errors: GraphQLError[] }) => void) => {
    const op = executedOperation(args.schema, args.document, args.operationName, args.variableValues);
    if (!op) return;
    const cost = operationCost(op);
    const overHttp = (args.contextValue as { request?: Request } | undefined)?.request !== undefined;
    if (cost > maxCost) refuse({ errors: [tooCostly(cost, maxCost, overHttp)] });
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}
