import { describe, expect, it } from '@jest/globals';

import { scimResourceOf } from '../../../src/http/metrics.js';

describe('scimResourceOf', () => {
  it.each([
    ['/scim/v2/d1/Users', 'Users'],
    ['/scim/v2/d1/Users/u1', 'Users'],
    ['/scim/v2/d1/Groups/.search', 'Groups'],
    ['/org/acme.com/scim/v2/Groups', 'Groups'],
    ['/scim/v2/d1/Bulk', 'Bulk'],
    ['/scim/v2/d1/.search', 'search'],
    ['/scim/v2/d1/Schemas', 'discovery'],
    ['/scim/v2/d1/Anything', 'other'],
    ['/scim/v2/d1', 'other'],
  ])('labels %s as %s', (path, resource) => {
    expect(scimResourceOf(path)).toBe(resource);
  });

  it('is undefined outside SCIM', () => {
    expect(scimResourceOf('/graphql')).toBeUndefined();
  });
});
