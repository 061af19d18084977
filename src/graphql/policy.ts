import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

import type { AdminViewer, ApiKeyViewer, Scope, Viewer } from '../tenancy/types.js';
import { unauthenticated } from './errors.js';

/**
 * Who may call a root field:
 * - `vendor`: an API key only (an admin is FORBIDDEN);
 * - `organization`: an API key (its environment), or an admin limited to their organization (other
 *   organizations' ids are NOT_FOUND, lists hold only their organization's);
 * - `admin`: an admin session only (an API key is FORBIDDEN);
 * - `public`: anybody, without credentials too.
 */
export type Rule = 'vendor' | 'organization' | 'admin' | 'public';

/**
 * THE authorization policy: every root field of the schema, by operation type. A root field missing here is
 * refused to everybody (fail closed); test/graphql/admin-authorization.test.ts requires a case for each.
 */
export const ROOT_FIELD_RULES: Readonly<Record<OperationTypeNode, Readonly<Record<string, Rule>>>> = {
  [OperationTypeNode.QUERY]: {
    viewer: 'organization',
    organizations: 'organization',
    organization: 'organization',
    directory: 'organization',
    directoryUsers: 'organization',
    directoryUser: 'organization',
    directoryGroups: 'organization',
    directoryGroup: 'organization',
    events: 'organization',
    event: 'organization',
    auditLog: 'organization',
    setupGuide: 'organization',
    apiKeys: 'vendor',
    webhooks: 'vendor',
    webhook: 'vendor',
  },
  [OperationTypeNode.MUTATION]: {
    createDirectory: 'organization',
    updateDirectory: 'organization',
    rotateDirectoryToken: 'organization',
    deleteDirectory: 'vendor',
    createOrganization: 'vendor',
    updateOrganization: 'vendor',
    deleteOrganization: 'vendor',
    inviteAdmin: 'vendor',
    revokeAdmin: 'vendor',
    cancelInvitation: 'vendor',
    createApiKey: 'vendor',
    revokeApiKey: 'vendor',
    createWebhook: 'vendor',
    updateWebhook: 'vendor',
    rotateWebhookSecret: 'vendor',
    deleteWebhook: 'vendor',
    testWebhook: 'vendor',
    redeliverEvent: 'vendor',
    replayEvents: 'vendor',
    acceptAdminInvitation: 'public',
    signOut: 'admin',
  },
  [OperationTypeNode.SUBSCRIPTION]: {
    provisioningEvents: 'organization',
  },
};

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** Why `viewer` may not call the root field, or `undefined` when it may. */
export function refusal(viewer: Viewer, operation: OperationTypeNode, field: string): GraphQLError | undefined {
  if (field.startsWith('__')) return viewer.kind === 'anonymous' ? unauthenticated() : undefined;
  const rule = ROOT_FIELD_RULES[operation][field];
  if (rule === undefined) return forbidden(`${field} is not in the authorization policy`);
  if (rule === 'public') return undefined;
  if (viewer.kind === 'anonymous') return unauthenticated();
  if (rule === 'vendor' && viewer.kind !== 'apiKey')
    return forbidden(`${field} needs an API key: admins may not call it`);
  if (rule === 'admin' && viewer.kind !== 'admin') return forbidden(`${field} is for admin sessions only`);
  return undefined;
}

/** The root field names an operation selects, through fragments (aliases and directives do not matter). */
export function rootFields(document: DocumentNode, operation: OperationDefinitionNode): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return [...names];
}

/**
 * Checks a whole operation before it runs (Apollo plugin over HTTP, onSubscribe over graphql-ws): the first
 * root field the viewer may not call refuses the operation, so nothing of it runs.
 */
export function authorizeOperation(
  viewer: Viewer,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): GraphQLError | undefined {
  for (const field of rootFields(document, operation)) {
    const refused = refusal(viewer, operation.operation, field);
    if (refused) return refused;
  }
  return undefined;
}

/** What the viewer may see; an anonymous viewer sees nothing (UNAUTHENTICATED). */
export function scopeOf(viewer: Viewer): Scope {
  if (viewer.kind === 'anonymous') throw unauthenticated();
  if (viewer.kind === 'admin') return { environmentId: viewer.environmentId, organizationId: viewer.organizationId };
  return { environmentId: viewer.environmentId };
}

/** Whether the viewer is an admin whose session has expired (checked again as a subscription delivers). */
export function sessionExpired(viewer: Viewer, now: Date): boolean {
  return viewer.kind === 'admin' && viewer.sessionExpiresAt.getTime() <= now.getTime();
}

/** The API key calling a vendor operation (the policy let only API keys in; FORBIDDEN otherwise). */
export function vendorOf(viewer: Viewer): ApiKeyViewer {
  if (viewer.kind !== 'apiKey') throw forbidden('an API key is required');
  return viewer;
}

/** The admin calling an admin operation (FORBIDDEN otherwise). */
export function adminOf(viewer: Viewer): AdminViewer {
  if (viewer.kind !== 'admin') throw forbidden('an admin session is required');
  return viewer;
}
