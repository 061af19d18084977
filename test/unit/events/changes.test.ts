import { describe, expect, it } from '@jest/globals';

import { changedFields, changedPaths } from '../../../src/events/changes.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('changedPaths', () => {
  it.each([
    ['equal documents in another key order', { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }, []],
    [
      'a sub-attribute',
      { name: { givenName: 'A', familyName: 'B' } },
      { name: { givenName: 'C', familyName: 'B' } },
      ['name', 'name.givenName'],
    ],
    [
      'an added complex attribute names its sub-attributes',
      {},
      { name: { givenName: 'A' } },
      ['name', 'name.givenName'],
    ],
    [
      'a typed multi-value, matched by type (case-insensitive) whatever the order',
      {
        emails: [
          { type: 'work', value: 'a@x' },
          { type: 'home', value: 'h@x' },
        ],
      },
      {
        emails: [
          { type: 'Home', value: 'h@x' },
          { type: 'work', value: 'b@x' },
        ],
      },
      [
        'emails',
        'emails[type eq "work"]',
        'emails[type eq "work"].value',
        'emails[type eq "home"]',
        'emails[type eq "home"].type',
      ].sort(),
    ],
    ['an untyped multi-value as a whole', { roles: [{ value: 'a' }] }, { roles: [{ value: 'b' }] }, ['roles']],
    [
      'an extension attribute, addressed with its schema URN',
      { [ENTERPRISE]: { manager: { value: 'm1' }, department: 'R&D' } },
      { [ENTERPRISE]: { manager: { value: 'm2' }, department: 'R&D' } },
      [ENTERPRISE, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`],
    ],
    ['a removed attribute', { title: 'CTO', active: true }, { active: true }, ['title']],
    [
      'a removed complex attribute names its sub-attributes',
      { name: { givenName: 'A', familyName: 'B' } },
      {},
      ['name', 'name.familyName', 'name.givenName'],
    ],
    ['null to a value', { title: null }, { title: 'CTO' }, ['title']],
    ['deep nesting', { a: { b: { c: { d: 1 } } } }, { a: { b: { c: { d: 2 } } } }, ['a', 'a.b', 'a.b.c', 'a.b.c.d']],
    ['array order matters for untyped values', { roles: ['a', 'b'] }, { roles: ['b', 'a'] }, ['roles']],
    [
      'duplicate types are compared as a whole',
      {
        emails: [
          { type: 'work', value: 'a' },
          { type: 'work', value: 'b' },
        ],
      },
      { emails: [{ type: 'work', value: 'a' }] },
      ['emails'],
    ],
    [
      'a typed item added',
      { phoneNumbers: [{ type: 'work', value: '1' }] },
      {
        phoneNumbers: [
          { type: 'work', value: '1' },
          { type: 'mobile', value: '2' },
        ],
      },
      [
        'phoneNumbers',
        'phoneNumbers[type eq "mobile"]',
        'phoneNumbers[type eq "mobile"].type',
        'phoneNumbers[type eq "mobile"].value',
      ],
    ],
    [
      'an extension that appears',
      {},
      { [ENTERPRISE]: { department: 'R&D' } },
      [ENTERPRISE, `${ENTERPRISE}:department`],
    ],
  ])('%s', (_name, before, after, expected) => {
    expect(changedPaths(before, after)).toEqual([...expected].sort());
  });
});

describe('changedFields', () => {
  it('names the fields that differ, deeply compared, in the order asked', () => {
    const before = { state: 'active', email: 'a@x', emails: ['a@x'], lastName: 'L' };
    const after = { state: 'inactive', email: 'a@x', emails: ['a@x', 'b@x'], lastName: 'L' };
    expect(changedFields(before, after, ['lastName', 'emails', 'email', 'state'])).toEqual(['emails', 'state']);
    expect(changedFields(before, { ...before, emails: ['a@x'] }, ['emails'])).toEqual([]);
  });
});
