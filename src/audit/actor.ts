import type { Viewer } from '../tenancy/types.js';

/** Who performed an audited action. Enum keys are the GraphQL values; the strings are what the database stores. */
export enum AuditActorType {
  API_KEY = 'api_key',
  ADMIN = 'admin',
  ANONYMOUS = 'anonymous',
}

export interface Actor {
  readonly type: AuditActorType;
  /** The API key's or admin's id; null for anonymous callers. */
  readonly id: string | null;
  /** A readable name (an API key's name), never a secret or any part of one; null when there is none. */
  readonly label: string | null;
  /** The environment the actor acts in; null for anonymous callers (the target's environment is used then). */
  readonly environmentId: string | null;
  /** An admin's organization: where an entry without a target of an organization belongs. */
  readonly organizationId: string | null;
}

/** The one place that turns a caller into an audit actor. */
export function actorOf(viewer: Viewer): Actor {
  switch (viewer.kind) {
    case 'apiKey':
      return {
        type: AuditActorType.API_KEY,
        id: viewer.apiKeyId,
        label: viewer.apiKeyName,
        environmentId: viewer.environmentId,
        organizationId: null,
      };
    case 'admin':
      return {
        type: AuditActorType.ADMIN,
        id: viewer.adminId,
        label: viewer.adminEmail,
        environmentId: viewer.environmentId,
        organizationId: viewer.organizationId,
      };
    case 'anonymous':
      return { type: AuditActorType.ANONYMOUS, id: null, label: null, environmentId: null, organizationId: null };
  }
}
