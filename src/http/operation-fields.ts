// The fields an operation will execute, collected the way graphql-js does: through inline
// fragments and fragment spreads, leaving out what @skip/@include exclude for the request's
// variables. The cost limit and the upload rate limit both count these, so neither can be
// dodged by wrapping a field in a fragment.
import {
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  Kind,
  type DirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface ExecutedOperation {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Coerced, with the operation's defaults applied. */
  variables: Record<string, unknown>;
}

export interface CollectedField {
  node: FieldNode;
  /** The type the field is selected on: the fragment's type condition when there is one. */
  parentType: GraphQLCompositeType;
}

/**
 * The operation execution will run, or null when execution refuses it anyway (no such
 * operation, variables that do not coerce): it then reports that error itself.
 */
export function executedOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  rawVariables: Readonly<Record<string, unknown>> | null | undefined,
): ExecutedOperation | null {
  const operation = getOperationAST(document, operationName);
  if (!operation) return null;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {}, { maxErrors: 1 });
  if (coerced.errors) return null;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return { schema, operation, fragments, variables: coerced.coerced };
}

export function rootType(op: ExecutedOperation): GraphQLCompositeType | null {
  return op.schema.getRootType(op.operation.operation) ?? null;
}

/** The fields of one selection set, fragments flattened (each fragment once, as graphql-js does). */
export function collectFields(
  op: ExecutedOperation,
  selectionSet: SelectionSetNode,
  parentType: GraphQLCompositeType,
  visitedFragments = new Set<string>(),
): CollectedField[] {
  const fields: CollectedField[] = [];
  for (const selection of selectionSet.selections) {
    if (!included(op, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      fields.push({ node: selection, parentType });
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...collectFields(op, selection.selectionSet, conditionType(op, selection, parentType), visitedFragments));
    } else {
      const name = selection.name.value;
      const fragment = op.fragments.get(name);
      if (!fragment || visitedFragments.has(name)) continue;
      visitedFragments.add(name);
      fields.push(...collectFields(op, fragment.selectionSet, conditionType(op, fragment, parentType), visitedFragments));
    }
  }
  return fields;
}

function included(op: ExecutedOperation, node: { readonly directives?: readonly DirectiveNode[] }): boolean {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, op.variables);
  if (skip?.if === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, op.variables);
  return include?.if !== false;
}

function conditionType(
  op: ExecutedOperation,
  fragment: InlineFragmentNode | FragmentDefinitionNode,
  parentType: GraphQLCompositeType,
): GraphQLCompositeType {
  const type = fragment.typeCondition ? op.schema.getType(fragment.typeCondition.name.value) : null;
  return type && isCompositeType(type) ? type : parentType;
}
