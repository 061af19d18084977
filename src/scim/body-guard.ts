import { describeJsonProblem, findJsonProblem, type JsonProblem } from '../lib/json-guard.js';
import { ScimError, type ScimType } from './errors.js';

const BODY_PROBLEM_TYPES: Readonly<Record<JsonProblem['reason'], ScimType>> = {
  tooDeep: 'invalidSyntax',
  badText: 'invalidValue',
  reservedKey: 'invalidPath',
  tooMany: 'invalidValue',
};

/**
 * What a SCIM body may hold: multi-valued attributes (emails, phone numbers, …) of at most
 * {@link MAX_VALUES} values — PATCH costs grow with operations × values — except group members, which are
 * set operations in SQL; the operations and values of a PatchOp are bounded in patch.ts.
 */
const MAX_VALUES = 1_000;
const BODY_LIMITS = {
  reservedKeys: true,
  maxArrayLength: MAX_VALUES,
  unboundedKeys: new Set(['members', 'operations', 'value']),
};

/** Throws a 400 unless a resource body can be stored and walked safely (see lib/json-guard.ts). */
export function assertSafeBody(body: unknown): void {
  const problem = findJsonProblem(body, BODY_LIMITS);
  if (problem) throw new ScimError(400, describeJsonProblem(problem), BODY_PROBLEM_TYPES[problem.reason]);
}
