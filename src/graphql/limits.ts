import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { GraphQLError, ValidationContext, ValidationRule } from 'graphql';

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
}

/**
 * Depth and cost limits (graphql-armor), applied to HTTP and WebSocket operations alike. Violations are
 * reported as ordinary validation errors (GRAPHQL_VALIDATION_FAILED) instead of being thrown.
 */
export function limitRules({ maxDepth, maxCost }: QueryLimits): ValidationRule[] {
  const report = {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
    ignoreIntrospection: true,
    exposeLimits: true,
  };
  // Depth is bounded by its own rule, so cost grows linearly with the number of selected fields (depthCostFactor 1):
  // graphql-armor's default factor of 1.5 makes an ordinary 10-level admin query cost tens of thousands.
  return [maxDepthRule({ n: maxDepth, ...report }), costLimitRule({ maxCost, depthCostFactor: 1, ...report })] as ValidationRule[];
}
