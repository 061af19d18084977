/** What the portal knows about the signed-in admin, their organization and its directory. */

export type Provider = 'ENTRA_ID' | 'OKTA' | 'ONELOGIN' | 'JUMPCLOUD' | 'PING' | 'GENERIC_SCIM';

/** The identity providers in the order the picker shows them, with their names. */
export const PROVIDERS: readonly { readonly id: Provider; readonly name: string }[] = [
  { id: 'ENTRA_ID', name: 'Microsoft Entra ID' },
  { id: 'OKTA', name: 'Okta' },
  { id: 'ONELOGIN', name: 'OneLogin' },
  { id: 'JUMPCLOUD', name: 'JumpCloud' },
  { id: 'PING', name: 'Ping Identity' },
  { id: 'GENERIC_SCIM', name: 'Other SCIM 2.0' },
];

export function providerName(provider: Provider): string {
  return PROVIDERS.find((entry) => entry.id === provider)?.name ?? provider;
}

export interface Directory {
  readonly id: string;
  readonly name: string;
  readonly provider: Provider;
  readonly state: 'PENDING' | 'ACTIVE' | 'INACTIVE';
  readonly scimBaseUrl: string;
  readonly tokenPrefix: string;
}

export interface Health {
  readonly lastRequestAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: { readonly status: number; readonly detail: string | null } | null;
  readonly userCount: number;
  readonly groupCount: number;
}

export interface Portal {
  readonly vendor: string;
  readonly admin: { readonly id: string; readonly email: string; readonly name: string | null };
  readonly organization: { readonly id: string; readonly name: string };
  /** The organization's directories, oldest first (kept in step with changes made here). */
  directories: Directory[];
  /** The one the page manages; the admin picks it when there are several. */
  directory: Directory | null;
  /** The SCIM token, only right after it was issued here (created, provider changed, rotated); never stored. */
  token: string | null;
}

export const DIRECTORY_FIELDS = 'id name provider state scimBaseUrl tokenPrefix';
