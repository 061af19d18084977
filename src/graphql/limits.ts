import type { ApolloServerPlugin } from '@apollo/server';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../db/pagination.js';

/**
 * The depth limit (graphql-armor), a validation rule for HTTP and WebSocket operations alike. Violations are
 * reported as ordinary validation errors (GRAPHQL_VALIDATION_FAILED) instead of being thrown.
 */
/** Most tokens one operation may have: parsing stops there (HTTP and WebSocket alike). */
export const MAX_TOKENS = 20_000;

/**
 * graphql-armor's depth rule, except that a document it cannot measure (it recurses through fragment spreads,
 * and a chain of 2,000 fragments overflows the stack) is refused as too deep instead of failing as a 500.
 */
export function depthRule(maxDepth: number): ValidationRule {
  const armor = maxDepthRule({
    n: maxDepth,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
    ignoreIntrospection: true,
    exposeLimits: true,
  });
  return (context) => {
    const visitor = armor(context) as unknown as {
      OperationDefinition: { enter: (node: OperationDefinitionNode) => void };
    };
    return {
      OperationDefinition: {
        enter(node: OperationDefinitionNode) {
          try {
            visitor.OperationDefinition.enter.call(visitor, node); // graphql-js calls visitors with `this` = visitor
          } catch (error) {
            if ((error as Error | undefined)?.name !== 'RangeError') throw error;
            context.reportError(
              new GraphQLError(`Syntax Error: Query depth limit of ${maxDepth} exceeded (too deep to measure).`, {
                nodes: [node],
              }),
            );
          }
        },
      },
    };
  };
}

/** Page size a field with a `first` argument returns at most: the argument, else its default. */
function pageSizeOf(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): number {
  const definition = field.args.find((arg) => arg.name === 'first');
  const argument = node.arguments?.find((arg) => arg.name.value === 'first');
  const value = argument && definition ? valueFromAST(argument.value, definition.type, variables) : undefined;
  const first =
    typeof value === 'number'
      ? value
      : typeof definition?.defaultValue === 'number'
        ? definition.defaultValue
        : DEFAULT_PAGE_SIZE;
  // More than MAX_PAGE_SIZE is refused by the resolver before it reads anything.
  return Math.min(Math.max(first, 0), MAX_PAGE_SIZE);
}

/**
 * How many fields an operation may resolve, with its actual variables: every selected field counts 1; a
 * field with a `first` argument (a connection) counts `first` (default {@link DEFAULT_PAGE_SIZE}) times its
 * selection; any other list of objects counts {@link DEFAULT_PAGE_SIZE} times its selection. Aliases and
 * fragments count every time they are selected.
 *
 * Schema introspection (`__schema`, `__type`) costs nothing, so that tools can load the schema, but its size is
 * bounded by the schema itself instead: each may be selected once, and nothing inside it may be aliased (an
 * aliased `fields` repeated under aliased types multiplies the answer without bound). Breaking that is a
 * `problem`, refused like an operation over the limit.
 */
function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): { cost: number; problem?: string } {
  let problem: string | undefined;
  const introspectionRoots = new Set<string>();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  // A fragment's cost depends only on whether it is spread inside a connection's page (multipliers apply
  // outside): compute it once per fragment and `paged`.
  const fragmentCosts = new Map<string, number>();
  const introspected = new Set<string>(); // fragments already checked inside introspection

  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, paged: boolean): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        total += fieldCost(selection, parent, paged);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += type ? selectionCost(selection.selectionSet, type, paged) : 0;
      } else {
        const name = selection.name.value;
        const key = `${name}:${String(paged)}`;
        let cost = fragmentCosts.get(key);
        if (cost === undefined) {
          const fragment = fragments.get(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          cost = fragment && type ? selectionCost(fragment.selectionSet, type, paged) : 0;
          fragmentCosts.set(key, cost);
        }
        total += cost;
      }
    }
    return total;
  };

  /** Inside `__schema`/`__type`: no aliases, fragments followed once each. */
  const checkIntrospection = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.alias && selection.alias.value !== selection.name.value) {
          problem ??= `introspection fields may not be aliased (${selection.alias.value}: ${selection.name.value})`;
        }
        if (selection.selectionSet) checkIntrospection(selection.selectionSet);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        checkIntrospection(selection.selectionSet);
      } else if (!introspected.has(selection.name.value)) {
        introspected.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) checkIntrospection(fragment.selectionSet);
      }
    }
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, paged: boolean): number => {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') {
      if (introspectionRoots.has(name)) problem ??= `${name} may be selected once per operation`;
      introspectionRoots.add(name);
      if (node.selectionSet) checkIntrospection(node.selectionSet);
      return 0;
    }
    const field = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    if (!field || !node.selectionSet) return 1;
    const type = getNamedType(field.type);
    if (!isCompositeType(type)) return 1;
    const connection = field.args.some((arg) => arg.name === 'first');
    // Inside a connection its `edges` list is already paid for by the connection's `first`.
    const times = connection
      ? pageSizeOf(field, node, variables)
      : isListType(getNullableType(field.type)) && !paged
        ? DEFAULT_PAGE_SIZE
        : 1;
    return 1 + times * selectionCost(node.selectionSet, type, connection);
  };

  const root = schema.getRootType(operation.operation);
  const cost = root ? selectionCost(operation.selectionSet, root, false) : 0;
  return problem === undefined ? { cost } : { cost, problem };
}

/** The cost-limit error: a validation error, refused before anything runs. */
function tooComplex(maxCost: number, cost: number): GraphQLError {
  return new GraphQLError(`Cost limit of ${maxCost} exceeded: this operation may resolve ${cost} fields`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  });
}

/**
 * Checks an operation (already parsed and validated) against the cost limit with its variables. Variables
 * that do not coerce are left to execution, which refuses them with BAD_USER_INPUT.
 */
export function checkCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Record<string, unknown> | null | undefined,
  maxCost: number,
): GraphQLError | undefined {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return undefined;
  const { cost, problem } = operationCost(schema, document, operation, coerced.coerced);
  if (problem)
    return new GraphQLError(`Introspection limit: ${problem}`, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  return cost > maxCost ? tooComplex(maxCost, cost) : undefined;
}

/** Apollo plugin: the cost limit for HTTP operations, once the operation and its variables are known. */
export function costLimitPlugin<TContext extends object>(maxCost: number): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          const error = operation && checkCost(schema, document, operation, request.variables, maxCost);
          // HTTP 400, as for the other validation errors.
          if (error)
            throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
