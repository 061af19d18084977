import { isObject } from '../lib/is-object.js';
import { ScimError } from './errors.js';

export const SEARCH_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

/** The last path segment of a search: `/.search`, `/Users/.search`, `/Groups/.search` (RFC 7644 §3.4.3). */
export const SEARCH_SEGMENT = '.search';

type Field = 'text' | 'integer' | 'list';

/** The members a SearchRequest may have (names compare case-insensitively), and their JSON types. */
const FIELDS: Readonly<Record<string, readonly [name: string, type: Field]>> = {
  filter: ['filter', 'text'],
  startindex: ['startIndex', 'integer'],
  count: ['count', 'integer'],
  sortby: ['sortBy', 'text'],
  sortorder: ['sortOrder', 'text'],
  attributes: ['attributes', 'list'],
  excludedattributes: ['excludedAttributes', 'list'],
};

function invalidValue(detail: string): ScimError {
  return new ScimError(400, detail, 'invalidValue');
}

function checkSchemas(schemas: unknown): void {
  const valid =
    Array.isArray(schemas) &&
    schemas.length > 0 &&
    schemas.every(
      (schema) => typeof schema === 'string' && schema.toLowerCase() === SEARCH_REQUEST_SCHEMA.toLowerCase(),
    );
  if (!valid) throw new ScimError(400, `a search needs "schemas": ["${SEARCH_REQUEST_SCHEMA}"]`, 'invalidSyntax');
}

/** A member's value in the text form the query parameters of a GET have. */
function asParameter(name: string, type: Field, value: unknown): string {
  switch (type) {
    case 'text':
      if (typeof value !== 'string') throw invalidValue(`${name} must be a string`);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidValue(`${name} must be an integer`);
      // Beyond the safe range an index means "past the end" anyway; list-params.ts clamps further.
      return String(Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, value)));
    case 'list':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && !item.includes(','))) {
        throw invalidValue(`${name} must be an array of attribute names`);
      }
      return value.join(',');
  }
}

/**
 * The body of a POST …/.search (RFC 7644 §3.4.3) as the query parameters of the equivalent GET, so that
 * filtering, paging, sorting and projection are exactly the GET's. Allow-list: `schemas` must name the
 * SearchRequest message (else 400 invalidSyntax), any other member is 400 invalidSyntax, a member of the
 * wrong JSON type is 400 invalidValue (`"count": "10"` included); `null` counts as absent.
 */
export function searchParameters(body: unknown): Record<string, string | undefined> {
  if (!isObject(body)) throw new ScimError(400, 'the request body must be a JSON object', 'invalidSyntax');
  const parameters: Record<string, string | undefined> = {};
  let schemas: unknown;
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      schemas = value;
      continue;
    }
    const field = Object.hasOwn(FIELDS, key.toLowerCase()) ? FIELDS[key.toLowerCase()] : undefined;
    if (!field) throw new ScimError(400, `a SearchRequest has no member ${JSON.stringify(key)}`, 'invalidSyntax');
    const [name, type] = field;
    if (Object.hasOwn(parameters, name)) throw new ScimError(400, `${name} is given twice`, 'invalidSyntax');
    parameters[name] = value === null ? undefined : asParameter(name, type, value);
  }
  checkSchemas(schemas);
  return parameters;
}
