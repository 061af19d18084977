import { defaultFieldResolver, type GraphQLSchema } from 'graphql';

import { actorOf } from '../../audit/actor.js';
import type { AuditTarget, TargetScope } from '../../audit/audit-log.js';
import type { GraphQLContext } from '../context.js';
import { errorCodeOf } from '../errors.js';
import { idOf, TARGET_RULES } from './audit-targets.js';

const NO_SCOPE: TargetScope = { organizationId: null, environmentId: null };

/**
 * Wraps the resolver of every root Mutation field (over HTTP and WebSocket alike: one schema) so that each
 * call leaves one audit entry: who, which mutation, its target (audit-targets.ts), from where, and `ok` or
 * the error code. The entry is written after the mutation, in a statement of its own — a failed mutation is
 * recorded too — and a failure to write it is logged, never returned to the caller. Arguments are never
 * stored, only the target's id. Returns `schema`, changed in place.
 */
export function auditMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    const rule = TARGET_RULES[field.name];
    field.resolve = async (source, args: Record<string, unknown>, context: GraphQLContext, info) => {
      const actor = actorOf(context.viewer);
      const argTarget: AuditTarget | null = rule?.fromArgs ? { type: rule.type, id: idOf(rule.fromArgs(args)) } : null;
      // Before the mutation: a delete removes what the organization is looked up from.
      const before = argTarget ? await context.audit.scopeOf(argTarget, actor.environmentId) : NO_SCOPE;
      let outcome = 'ok';
      let result: unknown;
      try {
        result = await resolve(source, args, context, info);
        return result;
      } catch (error) {
        outcome = errorCodeOf(error);
        throw error;
      } finally {
        let target = argTarget;
        let scope = before;
        if (rule?.fromResult) {
          target = { type: rule.type, id: outcome === 'ok' ? idOf(rule.fromResult(result)) : null };
          scope = await context.audit.scopeOf(target, actor.environmentId);
        }
        await context.audit.record({
          environmentId: actor.environmentId ?? scope.environmentId,
          // An admin acts in its own organization only: its entries are filed there, never under the
          // organization of an id it named (another organization's, when the call was refused).
          organizationId: actor.organizationId ?? scope.organizationId,
          actor,
          action: field.name,
          target,
          origin: context.origin,
          outcome,
        });
      }
    };
  }
  return schema;
}

/**
 * Audits the mutations of an operation the authorization policy refused before it ran (policy.ts): one
 * entry per root mutation field, with the refusal's code as its outcome and no target (nothing was read of
 * the arguments). Refused queries and subscriptions are not audited, like queries that run.
 */
export async function auditRefusedMutations(
  context: Pick<GraphQLContext, 'audit' | 'viewer' | 'origin'>,
  fields: readonly string[],
  code: string,
): Promise<void> {
  const actor = actorOf(context.viewer);
  if (actor.environmentId === null) return; // anonymous: no environment to file it under
  for (const field of fields) {
    await context.audit.record({
      environmentId: actor.environmentId,
      organizationId: actor.organizationId,
      actor,
      action: field,
      target: null,
      origin: context.origin,
      outcome: code,
    });
  }
}
