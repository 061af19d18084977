import { InvalidInputError } from '../lib/errors.js';
import { isObject } from '../lib/is-object.js';
import { UserState } from './user.entity.js';

/** The normalized columns of a user, derived from its SCIM resource on every write (docs/design.md). */
export interface NormalizedUser {
  readonly userName: string;
  readonly userNameLower: string;
  readonly externalId: string | null;
  readonly email: string | null;
  readonly emails: string[];
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly state: UserState;
}

export interface NormalizedGroup {
  readonly displayName: string;
  readonly displayNameLower: string;
  readonly externalId: string | null;
}

const MAX_USER_NAME = 512;

function optionalString(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new InvalidInputError(`${field} must be a string`, field);
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function requiredString(value: unknown, field: string): string {
  const text = optionalString(value, field);
  if (text === null) throw new InvalidInputError(`${field} is required`, field);
  return text;
}

/** SCIM booleans as IdPs send them: JSON booleans, or "True"/"False" strings in any case (Entra ID). */
export function parseBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
  throw new InvalidInputError(`${field} must be a boolean`, field);
}

interface EmailValue {
  readonly value: string;
  readonly type: string | null;
  readonly primary: boolean;
}

function parseEmails(value: unknown): EmailValue[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidInputError('emails must be an array', 'emails');
  return value.map((item, index) => {
    if (!isObject(item)) throw new InvalidInputError(`emails[${index}] must be an object`, 'emails');
    const address = optionalString(item['value'], `emails[${index}].value`);
    if (address === null) throw new InvalidInputError(`emails[${index}].value is required`, 'emails');
    const primary =
      item['primary'] === undefined || item['primary'] === null
        ? false
        : parseBoolean(item['primary'], `emails[${index}].primary`);
    return { value: address, type: optionalString(item['type'], `emails[${index}].type`), primary };
  });
}

/** The email a vendor should use: the primary one, else the work one, else the first. */
function pickEmail(emails: readonly EmailValue[]): string | null {
  const chosen = emails.find((e) => e.primary) ?? emails.find((e) => e.type?.toLowerCase() === 'work') ?? emails[0];
  return chosen ? chosen.value.toLowerCase() : null;
}

/** Validates a user resource and derives its normalized columns. Throws InvalidInputError naming the field. */
export function normalizeUser(raw: Record<string, unknown>): NormalizedUser {
  const userName = requiredString(raw['userName'], 'userName');
  if (userName.length > MAX_USER_NAME)
    throw new InvalidInputError(`userName must be at most ${MAX_USER_NAME} characters`, 'userName');
  const name = raw['name'] === undefined || raw['name'] === null ? {} : raw['name'];
  if (!isObject(name)) throw new InvalidInputError('name must be an object', 'name');
  const firstName = optionalString(name['givenName'], 'name.givenName');
  const lastName = optionalString(name['familyName'], 'name.familyName');
  const emails = parseEmails(raw['emails']);
  const active = raw['active'] === undefined || raw['active'] === null ? true : parseBoolean(raw['active'], 'active');
  const composed = [firstName, lastName].filter(Boolean).join(' ');
  return {
    userName,
    userNameLower: userName.toLowerCase(),
    externalId: optionalString(raw['externalId'], 'externalId'),
    email: pickEmail(emails),
    emails: [...new Set(emails.map((e) => e.value.toLowerCase()))],
    firstName,
    lastName,
    displayName:
      optionalString(raw['displayName'], 'displayName') ??
      optionalString(name['formatted'], 'name.formatted') ??
      (composed || null),
    state: active ? UserState.ACTIVE : UserState.INACTIVE,
  };
}

export function normalizeGroup(raw: Record<string, unknown>): NormalizedGroup {
  const displayName = requiredString(raw['displayName'], 'displayName');
  return {
    displayName,
    displayNameLower: displayName.toLowerCase(),
    externalId: optionalString(raw['externalId'], 'externalId'),
  };
}
