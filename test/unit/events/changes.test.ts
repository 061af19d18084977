import { describe, expect, it } from '@jest/globals';
import { changedPaths } from '../../../src/events/changes.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('changedPaths', () => {
  it.each([
    ['equal documents in another key order', { a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 }, []],
    ['a sub-attribute', { name: { givenName: 'A', familyName: 'B' } }, { name: { givenName: 'C', familyName: 'B' } }, ['name', 'name.givenName']],
    ['an added complex attribute names its sub-attributes', {}, { name: { givenName: 'A' } }, ['name', 'name.givenName']],
    [
      'a typed multi-value, matched by type (case-insensitive) whatever the order',
      { emails: [{ type: 'work', value: 'a@x' }, { type: 'home', value: 'h@x' }] },
      { emails: [{ type: 'Home', value: 'h@x' }, { type: 'work', value: 'b@x' }] },
      ['emails', 'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "home"]', 'emails[type eq "home"].type'].sort(),
    ],
    ['an untyped multi-value as a whole', { roles: [{ value: 'a' }] }, { roles: [{ value: 'b' }] }, ['roles']],
    [
      'an extension attribute, addressed with its schema URN',
      { [ENTERPRISE]: { manager: { value: 'm1' }, department: 'R&D' } },
      { [ENTERPRISE]: { manager: { value: 'm2' }, department: 'R&D' } },
      [ENTERPRISE, `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`],
    ],
    ['a removed attribute', { title: 'CTO', active: true }, { active: true }, ['title']],
  ])('%s', (_name, before, after, expected) => {
    expect(changedPaths(before, after)).toEqual([...expected].sort());
  });
});
