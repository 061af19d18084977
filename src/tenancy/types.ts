import type { DirectoryProvider, DirectoryState } from './directory.entity.js';
import type { EnvironmentName } from './environment.entity.js';

/** An API key of one environment: the vendor, who may do everything in its environment. */
export interface ApiKeyViewer {
  readonly kind: 'apiKey';
  readonly environmentId: string;
  readonly environmentName: EnvironmentName;
  readonly apiKeyId: string;
  /** The key's name (audit log label); never its secret. */
  readonly apiKeyName: string;
}

/** A customer's IT admin signed in with an admin session: limited to one organization. */
export interface AdminViewer {
  readonly kind: 'admin';
  readonly environmentId: string;
  readonly environmentName: EnvironmentName;
  readonly organizationId: string;
  readonly adminId: string;
  /** The admin's email (audit log label). */
  readonly adminEmail: string;
  readonly sessionId: string;
  readonly sessionExpiresAt: Date;
}

/** No credentials at all: may only accept an admin invitation. */
export interface AnonymousViewer {
  readonly kind: 'anonymous';
}

/** Who is calling the admin API. */
export type Viewer = ApiKeyViewer | AdminViewer | AnonymousViewer;

/**
 * What a caller may see: one environment, and within it one organization when set (an admin). Every tenancy
 * lookup filters by it, so an id outside the scope is NOT_FOUND.
 */
export interface Scope {
  readonly environmentId: string;
  readonly organizationId?: string | undefined;
}

export interface NewOrganization {
  readonly name: string;
  readonly domain?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | null | undefined;
}

export interface OrganizationChanges {
  readonly name?: string | null | undefined;
  /** `null` clears the domain. */
  readonly domain?: string | null | undefined;
  readonly metadata?: Record<string, unknown> | null | undefined;
}

export interface OrganizationFilter {
  /** Case-insensitive substring of the name. */
  readonly name?: string | null | undefined;
  readonly domain?: string | null | undefined;
}

export interface NewDirectory {
  readonly organizationId: string;
  readonly name: string;
  readonly provider: DirectoryProvider;
}

export interface DirectoryChanges {
  readonly name?: string | null | undefined;
  readonly provider?: DirectoryProvider | null | undefined;
  /** ACTIVE or INACTIVE: switch the directory's SCIM endpoint on or off. */
  readonly state?: DirectoryState | null | undefined;
}
