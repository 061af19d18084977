import { describe, expect, it } from '@jest/globals';

import { ScimError } from '../../../src/scim/errors.js';
import { applyToResource, parsePatchBody, splitGroupPatch } from '../../../src/scim/patch.js';
import { toUserRaw, type ScimResource } from '../../../src/scim/resources.js';

// The PATCH engine without a database: parse the PatchOp, apply it to a resource, and store it the way the
// users handler does (toUserRaw). The IdP quirks are the ones recorded in test/scim/idp.

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ID = '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a';

function ada(): ScimResource {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    userName: 'ada@example.com',
    active: true,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'ada@example.com', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ],
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'm0' } },
  };
}

/** PATCH a user as the SCIM handler does: parse, apply, store. */
function patchUser(operations: unknown[], resource: ScimResource = ada()): ScimResource {
  return toUserRaw(
    applyToResource(
      'User',
      resource,
      parsePatchBody({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }),
      ID,
    ),
  );
}

/** The ScimError `action` throws (status, scimType, message). */
function scimError(action: () => unknown): { status: number; scimType: string | undefined; message: string } {
  try {
    action();
  } catch (error) {
    if (error instanceof ScimError) return { status: error.status, scimType: error.scimType, message: error.message };
    throw error;
  }
  throw new Error('expected a ScimError, nothing was thrown');
}

describe('parsePatchBody', () => {
  it('accepts op names in any case and trims op and path ("Replace" from Entra ID)', () => {
    expect(
      parsePatchBody({
        Operations: [
          { op: 'Replace', path: ' title ', value: 'CTO' },
          { op: ' ADD ', path: 'nickName', value: 'A' },
          { op: 'REMOVE', path: 'x' },
        ],
      }),
    ).toEqual([
      { op: 'replace', path: 'title', value: 'CTO' },
      { op: 'add', path: 'nickName', value: 'A' },
      { op: 'remove', path: 'x', value: undefined },
    ]);
  });

  it('accepts a lower-case "operations" key', () => {
    expect(parsePatchBody({ operations: [{ op: 'add', value: { title: 'x' } }] })).toEqual([
      { op: 'add', path: undefined, value: { title: 'x' } },
    ]);
  });

  it.each([
    ['a body that is not an object', [], 'invalidSyntax', /must be a JSON object/],
    ['no Operations', {}, 'invalidSyntax', /non-empty "Operations" array/],
    ['empty Operations', { Operations: [] }, 'invalidSyntax', /non-empty "Operations" array/],
    [
      'an operation that is not an object',
      { Operations: ['add'] },
      'invalidSyntax',
      /Operations\[0\] must be an object/,
    ],
    [
      'an unknown op',
      { Operations: [{ op: 'move', path: 'title', value: 1 }] },
      'invalidSyntax',
      /must be add, replace or remove/,
    ],
    ['an empty path', { Operations: [{ op: 'add', path: ' ', value: 1 }] }, 'invalidPath', /non-empty string/],
    [
      'a path that is not a string',
      { Operations: [{ op: 'add', path: 7, value: 1 }] },
      'invalidPath',
      /non-empty string/,
    ],
    ['add without a value', { Operations: [{ op: 'add', path: 'title' }] }, 'invalidValue', /needs a value/],
  ])('refuses %s with 400', (_name, body, scimType, detail) => {
    const error = scimError(() => parsePatchBody(body));
    expect(error).toMatchObject({ status: 400, scimType });
    expect(error.message).toMatch(detail);
  });
});

describe('applyToResource', () => {
  it('replaces an attribute by path and leaves the rest as it was', () => {
    expect(patchUser([{ op: 'replace', path: 'name.familyName', value: 'Byron' }])).toEqual({
      ...ada(),
      name: { givenName: 'Ada', familyName: 'Byron' },
    });
  });

  it('adds an attribute the resource did not have', () => {
    expect(patchUser([{ op: 'add', path: 'nickName', value: 'Countess' }])).toEqual({ ...ada(), nickName: 'Countess' });
  });

  it('replaces and removes through value filters', () => {
    const patched = patchUser([
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'ada@new.example' },
      { op: 'remove', path: 'emails[type eq "home"]' },
    ]);
    expect(patched['emails']).toEqual([{ value: 'ada@new.example', type: 'work', primary: true }]);
  });

  it('resolves attribute names case-insensitively to their canonical spelling', () => {
    expect(patchUser([{ op: 'replace', path: 'NAME.GIVENNAME', value: 'Augusta' }])['name']).toEqual({
      givenName: 'Augusta',
      familyName: 'Lovelace',
    });
  });

  it('"True"/"False" strings for active are stored as booleans (Entra ID)', () => {
    expect(patchUser([{ op: 'Replace', path: 'active', value: 'False' }])['active']).toBe(false);
    expect(patchUser([{ op: 'replace', value: { active: 'True' } }], { ...ada(), active: false })['active']).toBe(true);
  });

  it('a no-path replace with dotted keys changes only the sub-attributes it names', () => {
    expect(patchUser([{ op: 'replace', value: { 'name.givenName': 'Augusta' } }])['name']).toEqual({
      givenName: 'Augusta',
      familyName: 'Lovelace',
    });
  });

  it('a no-path replace with URN-prefixed keys changes only that extension attribute', () => {
    expect(patchUser([{ op: 'replace', value: { [`${ENTERPRISE}:department`]: 'Maths' } }])[ENTERPRISE]).toEqual({
      department: 'Maths',
      manager: { value: 'm0' },
    });
  });

  it('a partial complex value keeps the sub-attributes it does not name (RFC 7644 §3.5.2.3)', () => {
    expect(patchUser([{ op: 'replace', value: { name: { givenName: 'Augusta' } } }])['name']).toEqual({
      givenName: 'Augusta',
      familyName: 'Lovelace',
    });
    expect(patchUser([{ op: 'replace', value: { [ENTERPRISE]: { costCenter: 'C1' } } }])[ENTERPRISE]).toEqual({
      department: 'R&D',
      manager: { value: 'm0' },
      costCenter: 'C1',
    });
  });

  it('a bare-string manager is stored as { value }', () => {
    expect(patchUser([{ op: 'replace', path: `${ENTERPRISE}:manager`, value: 'm2' }])[ENTERPRISE]).toEqual({
      department: 'R&D',
      manager: { value: 'm2' },
    });
    expect(patchUser([{ op: 'replace', value: { [ENTERPRISE]: { manager: 'm3' } } }])[ENTERPRISE]).toEqual({
      department: 'R&D',
      manager: { value: 'm3' },
    });
    const withoutManager = { ...ada(), [ENTERPRISE]: { department: 'R&D' } };
    expect(patchUser([{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'm4' }], withoutManager)[ENTERPRISE]).toEqual({
      department: 'R&D',
      manager: { value: 'm4' },
    });
  });

  it("skips the group's own id in a no-path replace (Okta group renames)", () => {
    const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Old' };
    expect(
      applyToResource(
        'Group',
        group,
        parsePatchBody({ Operations: [{ op: 'replace', value: { id: ID, displayName: 'Engineering' } }] }),
        ID,
      ),
    ).toEqual({ ...group, displayName: 'Engineering' });
    const otherId = scimError(() =>
      applyToResource(
        'Group',
        group,
        parsePatchBody({ Operations: [{ op: 'replace', value: { id: 'another', displayName: 'X' } }] }),
        ID,
      ),
    );
    expect(otherId).toMatchObject({ status: 400, scimType: 'mutability' });
  });

  it('never changes the resource it was given', () => {
    const resource = ada();
    patchUser(
      [
        { op: 'replace', path: 'name.givenName', value: 'Augusta' },
        { op: 'remove', path: 'emails[type eq "home"]' },
      ],
      resource,
    );
    expect(resource).toEqual(ada());
  });

  it.each([
    ['remove without a path', { op: 'remove' }, 'noTarget', /needs a path/],
    ['a read-only id', { op: 'replace', path: 'id', value: 'x' }, 'mutability', /id is read-only/],
    ['read-only meta', { op: 'replace', path: 'meta.created', value: 'x' }, 'mutability', /meta is read-only/],
    ['read-only groups', { op: 'add', path: 'groups', value: [{ value: ID }] }, 'mutability', /groups is read-only/],
    ['a no-path add whose value is not an object', { op: 'add', value: 'x' }, 'invalidValue', /needs an object value/],
    [
      'an unclosed value filter',
      { op: 'replace', path: 'emails[type eq "work"', value: 'x' },
      'invalidPath',
      /not a valid attribute path/,
    ],
    [
      'a bad value filter',
      { op: 'replace', path: 'emails[type zz "work"].value', value: 'x' },
      'invalidPath',
      /value filter .* is invalid/,
    ],
    [
      'a name outside the attribute grammar',
      { op: 'add', path: 'na me', value: 'x' },
      'invalidPath',
      /not a valid attribute name/,
    ],
  ])('refuses %s', (_name, operation, scimType, detail) => {
    const error = scimError(() => patchUser([operation]));
    expect(error).toMatchObject({ status: 400, scimType });
    expect(error.message).toMatch(detail);
  });
});

describe('prototype pollution through PATCH', () => {
  it.each([
    ['path __proto__.x', { op: 'add', path: '__proto__.x', value: 1 }],
    ['path constructor.prototype.x', { op: 'add', path: 'constructor.prototype.x', value: 1 }],
    ['path name.constructor', { op: 'replace', path: 'name.constructor', value: 1 }],
    ['path name.__proto__.polluted', { op: 'add', path: 'name.__proto__.polluted', value: 1 }],
    ['a value-path sub-attribute __proto__', { op: 'replace', path: 'emails[type eq "work"].__proto__', value: 'x' }],
    ['a value filter naming __proto__', { op: 'replace', path: 'emails[__proto__ eq "x"].value', value: 'x' }],
    ['a schema URN with a constructor part', { op: 'replace', path: 'urn:x:constructor:polluted', value: 1 }],
    ['a no-path key __proto__.polluted', { op: 'replace', value: { '__proto__.polluted': 1 } }],
    ['a no-path key prototype', { op: 'add', value: { prototype: { polluted: 1 } } }],
    ['a sub-key constructor in a partial complex value', { op: 'replace', value: { name: { constructor: 1 } } }],
    [
      'an own __proto__ key in a value',
      { op: 'replace', path: 'name', value: JSON.parse('{"__proto__": {"polluted": 1}}') },
    ],
    [
      'a dotted constructor key in a value',
      { op: 'add', path: 'name', value: { 'constructor.prototype': { polluted: 1 } } },
    ],
  ])('%s → 400 invalidPath, nothing polluted', (_name, operation) => {
    expect(scimError(() => patchUser([operation]))).toMatchObject({ status: 400, scimType: 'invalidPath' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('splitGroupPatch', () => {
  const split = (operations: unknown[]) => splitGroupPatch(parsePatchBody({ Operations: operations }));
  const u1 = '11111111-1111-4111-8111-111111111111';
  const u2 = '22222222-2222-4222-8222-222222222222';

  it.each([
    [
      'add to members',
      [{ op: 'add', path: 'members', value: [{ value: u1 }, { value: u2 }] }],
      [{ op: 'add', userIds: [u1, u2] }],
    ],
    ['remove one by filter', [{ op: 'remove', path: `members[value eq "${u1}"]` }], [{ op: 'remove', userIds: [u1] }]],
    [
      'remove by value list (Entra ID)',
      [{ op: 'Remove', path: 'Members', value: [{ value: u2 }] }],
      [{ op: 'remove', userIds: [u2] }],
    ],
    ['remove all', [{ op: 'remove', path: 'members' }], [{ op: 'removeAll' }]],
    ['replace all', [{ op: 'replace', path: 'members', value: [{ value: u1 }] }], [{ op: 'replace', userIds: [u1] }]],
    [
      'a no-path add with members',
      [{ op: 'add', value: { members: [{ value: u1 }] } }],
      [{ op: 'add', userIds: [u1] }],
    ],
  ])('%s', (_name, operations, members) => {
    expect(split(operations)).toEqual({ members, attributes: [] });
  });

  it('splits a no-path replace into the member change and the other attributes (Okta renames)', () => {
    expect(split([{ op: 'replace', value: { id: 'g1', displayName: 'New', Members: [{ value: u1 }] } }])).toEqual({
      members: [{ op: 'replace', userIds: [u1] }],
      attributes: [{ op: 'replace', path: undefined, value: { id: 'g1', displayName: 'New' } }],
    });
  });

  it('passes other attributes through in order', () => {
    expect(
      split([
        { op: 'replace', path: 'displayName', value: 'X' },
        { op: 'add', path: 'externalId', value: 'e' },
      ]),
    ).toEqual({
      members: [],
      attributes: [
        { op: 'replace', path: 'displayName', value: 'X' },
        { op: 'add', path: 'externalId', value: 'e' },
      ],
    });
  });

  it.each([
    [
      'add on a member filter',
      [{ op: 'add', path: `members[value eq "${u1}"]`, value: 'x' }],
      'invalidPath',
      /not supported/,
    ],
    [
      'a member sub-attribute path',
      [{ op: 'replace', path: 'members.value', value: 'x' }],
      'invalidPath',
      /unsupported members path/,
    ],
    [
      'a member without a value',
      [{ op: 'add', path: 'members', value: [{ display: 'Ada' }] }],
      'invalidValue',
      /members\[0\]\.value must be a user id/,
    ],
  ])('refuses %s', (_name, operations, scimType, detail) => {
    const error = scimError(() => split(operations));
    expect(error).toMatchObject({ status: 400, scimType });
    expect(error.message).toMatch(detail);
  });
});
