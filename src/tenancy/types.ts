import type { DirectoryProvider, DirectoryState } from './directory.entity.js';
import type { EnvironmentName } from './environment.entity.js';

/** Who is calling the admin API: an API key of one environment. */
export interface Viewer {
  readonly environmentId: string;
  readonly environmentName: EnvironmentName;
  readonly apiKeyId: string;
  /** The key's name (audit log label); never its secret. */
  readonly apiKeyName: string;
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
