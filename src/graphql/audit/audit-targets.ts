/**
 * What each mutation acts on, for the audit log: the target's type and where its id is — among the
 * arguments (known before the mutation runs, so a deleted target's organization can still be looked up) or
 * in the result (creations). Only ids are read; a mutation without a rule is audited without a target, and
 * a unit test lists the mutations of the schema that have none.
 */
export interface TargetRule {
  readonly type: string;
  readonly fromArgs?: (args: Readonly<Record<string, unknown>>) => unknown;
  readonly fromResult?: (result: unknown) => unknown;
}

/** The target named by the argument `name` (default `id`). */
const byArg = (type: string, name = 'id'): TargetRule => ({ type, fromArgs: (args) => args[name] });

/** The target the mutation returns, at `path` in its result (`[]`: the result itself). */
const returned = (type: string, ...path: string[]): TargetRule => ({
  type,
  fromResult: (result) =>
    [...path, 'id'].reduce<unknown>(
      (value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : null),
      result,
    ),
});

export const TARGET_RULES: Readonly<Record<string, TargetRule>> = {
  createApiKey: returned('ApiKey', 'apiKey'),
  revokeApiKey: byArg('ApiKey'),
  createOrganization: returned('Organization'),
  updateOrganization: byArg('Organization'),
  deleteOrganization: byArg('Organization'),
  createDirectory: returned('Directory', 'directory'),
  updateDirectory: byArg('Directory'),
  rotateDirectoryToken: byArg('Directory'),
  deleteDirectory: byArg('Directory'),
  createWebhook: returned('Webhook', 'webhook'),
  updateWebhook: byArg('Webhook'),
  rotateWebhookSecret: byArg('Webhook'),
  deleteWebhook: byArg('Webhook'),
  testWebhook: byArg('Webhook'),
  redeliverEvent: byArg('Webhook', 'webhookId'),
  replayEvents: byArg('Webhook', 'webhookId'),
  inviteAdmin: returned('AdminInvitation'),
  cancelInvitation: byArg('AdminInvitation'),
  revokeAdmin: byArg('Admin'),
  acceptAdminInvitation: returned('Admin', 'admin'),
  // The caller's own session: the actor (the admin) says whose; no id is read from the arguments or result.
  signOut: { type: 'AdminSession' },
};

/** A target id as a string, or null (anything else is not an id). */
export function idOf(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
