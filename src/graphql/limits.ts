import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import type { ValidationRule } from 'graphql';

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxCost: number;
}

/** Depth and cost limits (graphql-armor), applied to HTTP and WebSocket operations alike. */
export function limitRules({ maxDepth, maxCost }: QueryLimits): ValidationRule[] {
  return [
    maxDepthRule({ n: maxDepth, ignoreIntrospection: true, exposeLimits: true }),
    costLimitRule({ maxCost, ignoreIntrospection: true, exposeLimits: true }),
  ] as ValidationRule[];
}
