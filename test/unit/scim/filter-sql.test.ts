import { describe, expect, it } from '@jest/globals';

import { filterToSql, type SqlCondition } from '../../../src/provisioning/filter-sql.js';
import { groupFilterSchema } from '../../../src/provisioning/group.service.js';
import { userFilterSchema } from '../../../src/provisioning/user.service.js';
import { toScimError } from '../../../src/scim/errors.js';
import { parseScimFilter } from '../../../src/scim/filter.js';
import type { ResourceKind } from '../../../src/scim/paths.js';

// SCIM filter text → one parameterised SQL condition, without a database: the same parse → compile path a
// SCIM list request takes (test/scim/filters.test.ts runs the filters against PostgreSQL and real rows).

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const UUID = '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';

function compile(kind: ResourceKind, text: string): SqlCondition {
  const schema = kind === 'User' ? userFilterSchema : groupFilterSchema;
  return filterToSql(parseScimFilter(kind, text), kind === 'User' ? 'u' : 'g', schema);
}

/** The raw JSON at a path of the user row, and its text. */
const json = (...path: string[]) => `(u.raw #> '{${path.map((p) => `"${p}"`).join(',')}}')`;
const text = (...path: string[]) => `(${json(...path)} #>> '{}')`;
const number = (...path: string[]) =>
  `(case when jsonb_typeof(${json(...path)}) = 'number' then (${json(...path)} #>> '{}')::numeric end)`;
const ELEMENT_VALUE = `(case when jsonb_typeof(el) = 'object' then el -> 'value' else el end)`;
/** `exists` over the elements of a multi-valued attribute kept in the raw JSON. */
const someElement = (attribute: string, condition: string) =>
  `exists (select 1 from jsonb_array_elements(case when jsonb_typeof(${json(attribute)}) = 'array' then ${json(attribute)} else '[]'::jsonb end) as el where ${condition})`;
const userGroups = (condition: string) =>
  `exists (select 1 from group_members gm join directory_groups el on el.id = gm.group_id where gm.user_id = u.id and ${condition})`;
const groupMembers = (condition: string) =>
  `exists (select 1 from group_members gm join directory_users el on el.id = gm.user_id where gm.group_id = g.id and ${condition})`;
const present = (expr: string) =>
  `coalesce(jsonb_typeof(${expr}) not in ('null') and ${expr} not in ('""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;

const compiles: [kind: ResourceKind, filter: string, sql: string, params: unknown[]][] = [
  // Indexed columns: userName is stored lower-case, so the value is lowered instead of the column.
  ['User', 'userName eq "Ada@Example.com"', 'u.user_name_lower = ?', ['ada@example.com']],
  ['User', 'USERNAME Eq "Ada"', 'u.user_name_lower = ?', ['ada']],
  ['User', 'userName gt "m"', 'u.user_name_lower > ?', ['m']],
  ['User', 'userName pr', 'u.user_name_lower is not null', []],
  ['User', 'userName eq TRUE', 'u.user_name_lower = ?', ['true']],
  ['User', 'externalId eq "Ext-1"', 'u.external_id = ?', ['Ext-1']], // caseExact: no lower()
  ['User', `id eq "${UUID}"`, 'u.id = ?::uuid', [UUID]],
  ['User', 'id eq "not-a-uuid"', 'lower(u.id::text) = ?', ['not-a-uuid']],
  ['User', 'id co "0A0A"', "lower(u.id::text) like ? escape '\\'", ['%0a0a%']],
  ['User', 'name.givenName sw "Ad"', "lower(u.first_name) like ? escape '\\'", ['ad%']],
  ['User', 'name.familyName ew "ACE"', "lower(u.last_name) like ? escape '\\'", ['%ace']],
  ['User', 'displayName co "50%_off"', "lower(u.display_name) like ? escape '\\'", ['%50\\%\\_off%']],
  ['User', 'displayName ne "Ada"', '(lower(u.display_name) is null or lower(u.display_name) <> ?)', ['ada']],
  [
    'User',
    'meta.created gt "2024-01-01T00:00:00+02:00"',
    'u.created_at > ?::timestamptz',
    ['2023-12-31T22:00:00.000Z'],
  ],
  ['User', 'meta.lastModified le "2024-01-01"', 'u.updated_at <= ?::timestamptz', ['2024-01-01T00:00:00.000Z']],
  // `active` is the state column; "True"/"False" strings (Entra ID) mean the booleans.
  ['User', 'active eq true', "u.state = 'active'", []],
  ['User', 'active eq false', "u.state <> 'active'", []],
  ['User', 'active ne true', "u.state <> 'active'", []],
  ['User', 'active eq "True"', "u.state = 'active'", []],
  // Attributes without a column: the raw JSON, case-insensitive unless caseExact.
  ['User', 'title eq "CTO"', `lower(${text('title')}) = ?`, ['cto']],
  ['User', 'title pr', present(json('title')), []],
  ['User', 'title eq null', `(${text('title')}) is null`, []],
  ['User', 'title ne null', `(${text('title')}) is not null`, []],
  ['User', 'nickName eq "a\\"b"', `lower(${text('nickName')}) = ?`, ['a"b']],
  ['User', 'custom eq true', `lower(${text('custom')}) = ?`, ['true']],
  ['User', 'x-custom eq 3.5', `${number('x-custom')} = ?`, [3.5]],
  ['User', 'x-custom gt 2', `${number('x-custom')} > ?`, [2]],
  [`User`, `${ENTERPRISE}:department eq "R&D"`, `lower(${text(ENTERPRISE, 'department')}) = ?`, ['r&d']],
  ['User', `${ENTERPRISE}:employeeNumber eq 7`, `${number(ENTERPRISE, 'employeeNumber')} = ?`, [7]],
  ['User', `${ENTERPRISE}:manager.value eq "m1"`, `lower(${text(ENTERPRISE, 'manager', 'value')}) = ?`, ['m1']],
  [
    'User',
    'urn:okta:custom:1.0:User:costCenter eq "CC"',
    `lower(${text('urn:okta:custom:1.0:User', 'costCenter')}) = ?`,
    ['cc'],
  ],
  // Emails: equality on the value uses the lower-cased text[] column; anything else walks the elements.
  ['User', 'emails eq "A@x.com"', 'u.emails @> array[?]::text[]', ['a@x.com']],
  ['User', 'emails[value eq "A@x.com"]', 'u.emails @> array[?]::text[]', ['a@x.com']],
  [
    'User',
    'emails.value co "@x"',
    someElement('emails', `lower((${ELEMENT_VALUE} #>> '{}')) like ? escape '\\'`),
    ['%@x%'],
  ],
  ['User', 'emails[type eq "work"]', someElement('emails', `lower(((el #> '{"type"}') #>> '{}')) = ?`), ['work']],
  [
    'User',
    'emails[type eq "work" and value co "x"]',
    someElement(
      'emails',
      `(lower(((el #> '{"type"}') #>> '{}')) = ? and lower((${ELEMENT_VALUE} #>> '{}')) like ? escape '\\')`,
    ),
    ['work', '%x%'],
  ],
  ['User', 'emails pr', someElement('emails', present(ELEMENT_VALUE)), []],
  ['User', 'roles[value eq "admin"]', someElement('roles', `lower((${ELEMENT_VALUE} #>> '{}')) = ?`), ['admin']],
  ['User', 'schemas eq "urn:x"', someElement('schemas', `lower((${ELEMENT_VALUE} #>> '{}')) = ?`), ['urn:x']],
  // A user's groups and a group's members are relations: `exists` over the membership table.
  ['User', `groups[value eq "${UUID}"]`, userGroups('el.id = ?::uuid'), [UUID]],
  ['User', 'groups[display eq "Eng"]', userGroups('lower(el.display_name) = ?'), ['eng']],
  ['User', 'groups.display co "Eng"', userGroups("lower(el.display_name) like ? escape '\\'"), ['%eng%']],
  ['Group', 'displayName eq "Eng"', 'g.display_name_lower = ?', ['eng']],
  ['Group', 'externalId eq "G-1"', 'g.external_id = ?', ['G-1']],
  ['Group', `members[value eq "${UUID}"]`, groupMembers('el.id = ?::uuid'), [UUID]],
  ['Group', 'members pr', groupMembers('el.id is not null'), []],
  // Logic: params in reading order; `not` treats unknown (NULL) as false.
  ['User', 'not (title eq "CTO")', `not coalesce(lower(${text('title')}) = ?, false)`, ['cto']],
  [
    'User',
    'userName eq "a" or (title eq "b" and active eq true)',
    `(u.user_name_lower = ? or (lower(${text('title')}) = ? and u.state = 'active'))`,
    ['a', 'b'],
  ],
  // Quotes and SQL in values never reach the SQL text.
  ['User', `userName eq "O'Brien"`, 'u.user_name_lower = ?', ["o'brien"]],
  [
    'User',
    `title eq "x'); drop table directory_users; --"`,
    `lower(${text('title')}) = ?`,
    ["x'); drop table directory_users; --"],
  ],
];

describe('SCIM filter → SQL', () => {
  it.each(compiles)('%s: %s', (kind, filter, sql, params) => {
    expect(compile(kind, filter)).toEqual({ sql, params });
  });

  it.each(compiles)('%s: %s keeps every value in params', (kind, filter) => {
    const condition = compile(kind, filter);
    expect(condition.sql.split('?').length - 1).toBe(condition.params.length);
    for (const [, value] of filter.matchAll(/"((?:[^"\\]|\\.){3,})"/g)) {
      expect(condition.sql.toLowerCase()).not.toContain(value!.toLowerCase());
    }
  });
});

const rejects: [filter: string, detail: RegExp][] = [
  ['userName', /not valid SCIM filter syntax/],
  ['userName eq', /not valid SCIM filter syntax/],
  ['userName zz "a"', /not valid SCIM filter syntax/],
  ['title eq "a") or (1=1', /not valid SCIM filter syntax/],
  [`ti'tle eq "x"`, /not valid SCIM filter syntax|not a valid attribute name/],
  [`title eq "${'x'.repeat(4_090)}"`, /longer than 4096 characters/],
  ['title gt true', /"gt" cannot be used with the boolean title/],
  ['active gt true', /"gt" cannot be used with the boolean active/],
  ['title eq 1e999', /out of range/],
  ['title lt null', /"lt" cannot compare with null/],
  ['meta.created gt "yesterday"', /meta.created is a dateTime/],
  ['meta.created co "2024"', /"co" does not apply to dateTime/],
  ['name eq "x"', /name is complex/],
  ['userName[value eq "x"]', /userName is not multi-valued/],
  [`emails[type eq "work" and groups[value eq "${UUID}"]]`, /value filters cannot be nested/],
  ['__proto__ eq "x"', /"__proto__" is not a valid attribute name/],
  ['constructor.prototype eq 1', /"constructor" is not a valid attribute name/],
  ['name.__proto__ pr', /"__proto__" is not a valid attribute name/],
  ['emails[prototype eq "x"]', /"prototype" is not a valid attribute name/],
  ['urn:x:constructor:a eq 1', /not a valid schema URN/],
];

describe('invalid SCIM filters', () => {
  const named = rejects.map(
    ([filter, detail]) =>
      [filter.length > 80 ? `${filter.slice(0, 20)}… (${filter.length} characters)` : filter, filter, detail] as const,
  );
  it.each(named)('%s → 400 invalidFilter', (_name, filter, detail) => {
    let thrown: unknown;
    try {
      compile('User', filter);
    } catch (error) {
      thrown = error;
    }
    const scim = toScimError(thrown);
    expect({ status: scim?.status, scimType: scim?.scimType }).toEqual({ status: 400, scimType: 'invalidFilter' });
    expect(scim?.message).toMatch(detail);
  });
});
