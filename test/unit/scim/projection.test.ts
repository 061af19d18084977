import { describe, expect, it } from '@jest/globals';

import { ScimError } from '../../../src/scim/errors.js';
import { includesAttribute, parseProjection, project } from '../../../src/scim/projection.js';
import type { ScimResource } from '../../../src/scim/resources.js';

// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) on one resource, without a server.

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function ada(): ScimResource {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: 'u1',
    userName: 'ada',
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [
      { value: 'a@x', type: 'work' },
      { value: 'b@x', type: 'home' },
    ],
    groups: [{ value: 'g1', display: 'Eng' }],
    meta: { resourceType: 'User', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-02T00:00:00.000Z' },
    [ENTERPRISE]: { department: 'R&D', manager: { value: 'm0', displayName: 'Bob' } },
  };
}

const ALWAYS = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u1' };

describe('project', () => {
  it.each([
    ['one attribute', 'userName', undefined, { ...ALWAYS, userName: 'ada' }],
    [
      'names case-insensitively, sub-attributes of complex and multi-valued ones',
      'NAME.givenName,emails.value',
      undefined,
      { ...ALWAYS, name: { givenName: 'Ada' }, emails: [{ value: 'a@x' }, { value: 'b@x' }] },
    ],
    [
      'a sub-attribute of meta',
      'meta.created',
      undefined,
      { ...ALWAYS, meta: { created: '2024-01-01T00:00:00.000Z' } },
    ],
    [
      'an extension attribute by URN path',
      `${ENTERPRISE}:manager.value`,
      undefined,
      { ...ALWAYS, [ENTERPRISE]: { manager: { value: 'm0' } } },
    ],
    [
      'a whole extension',
      ENTERPRISE,
      undefined,
      { ...ALWAYS, [ENTERPRISE]: { department: 'R&D', manager: { value: 'm0', displayName: 'Bob' } } },
    ],
    ['an attribute the resource lacks', 'title', undefined, ALWAYS],
    [
      'excluded sub-attributes and attributes; id and schemas stay',
      undefined,
      'emails,name.familyName,id,schemas',
      (({ emails: _e, ...rest }) => ({ ...rest, name: { givenName: 'Ada' } }))(ada()),
    ],
    ['an excluded extension', undefined, ENTERPRISE, (({ [ENTERPRISE]: _x, ...rest }) => rest)(ada())],
    [
      'both: exclusion applies to what was included',
      'emails.type,userName',
      'emails.value',
      { ...ALWAYS, userName: 'ada', emails: [{ type: 'work' }, { type: 'home' }] },
    ],
  ])('%s', (_name, attributes, excluded, expected) => {
    expect(project(ada(), parseProjection('User', attributes, excluded))).toEqual(expected);
  });

  it('returns the resource itself when nothing is asked, and never changes it otherwise', () => {
    const resource = ada();
    expect(project(resource, parseProjection('User', '', ' , '))).toBe(resource);
    const projected = project(resource, parseProjection('User', 'name.givenName', undefined));
    (projected['name'] as Record<string, unknown>)['givenName'] = 'changed';
    project(resource, parseProjection('User', undefined, 'name.givenName,emails'));
    expect(resource).toEqual(ada());
  });
});

describe('includesAttribute', () => {
  it.each([
    [undefined, undefined, true],
    ['userName', undefined, false],
    ['groups.display', undefined, true],
    [undefined, 'groups', false],
    [undefined, 'groups.display', true],
  ])('attributes=%s excludedAttributes=%s → groups %s', (attributes, excluded, expected) => {
    expect(includesAttribute(parseProjection('User', attributes, excluded), 'groups')).toBe(expected);
  });
});

describe('parseProjection', () => {
  it.each([['__proto__'], ['name.constructor'], ['a b'], ['urn:x:prototype:y']])(
    'refuses %s with 400 invalidPath',
    (attributes) => {
      let thrown: unknown;
      try {
        parseProjection('User', attributes, undefined);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ScimError);
      expect(thrown).toMatchObject({ status: 400, scimType: 'invalidPath' });
    },
  );
});
