import { describe, expect, it } from '@jest/globals';

import { ENTERPRISE, GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA } from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const ctx = useScimDirectory();

describe('discovery (RFC 7644 §4)', () => {
  it('GET /ServiceProviderConfig says what is really supported', async () => {
    const res = await ctx.dir.scim.get('/ServiceProviderConfig');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/scim+json');
    expect(res.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken' })],
    });
  });

  it('GET /ResourceTypes lists User (with the enterprise extension) and Group', async () => {
    const res = await ctx.dir.scim.get('/ResourceTypes');
    expect(res.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 2 });
    expect(res.body.Resources).toEqual([
      expect.objectContaining({
        id: 'User',
        endpoint: '/Users',
        schema: USER_SCHEMA,
        schemaExtensions: [{ schema: ENTERPRISE, required: false }],
      }),
      expect.objectContaining({ id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA }),
    ]);
    expect((await ctx.dir.scim.get('/ResourceTypes/User')).body.id).toBe('User');
    expect((await ctx.dir.scim.get('/ResourceTypes/Nope')).status).toBe(404);
  });

  it('GET /Schemas returns the User, Group and EnterpriseUser definitions', async () => {
    const res = await ctx.dir.scim.get('/Schemas');
    expect(res.body.Resources.map((s: any) => s.id)).toEqual([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE]);
    const user = (await ctx.dir.scim.get(`/Schemas/${USER_SCHEMA}`)).body;
    const userName = user.attributes.find((a: any) => a.name === 'userName');
    expect(userName).toMatchObject({
      type: 'string',
      required: true,
      caseExact: false,
      uniqueness: 'server',
      multiValued: false,
    });
    const emails = user.attributes.find((a: any) => a.name === 'emails');
    expect(emails).toMatchObject({ type: 'complex', multiValued: true });
    expect(emails.subAttributes.map((a: any) => a.name)).toEqual(['value', 'display', 'type', 'primary']);
    const enterprise = (await ctx.dir.scim.get(`/Schemas/${ENTERPRISE}`)).body;
    expect(enterprise.attributes.map((a: any) => a.name)).toContain('manager');
  });

  it('answers unknown endpoints and wrong methods with SCIM errors', async () => {
    expect((await ctx.dir.scim.get('/Nope')).body).toMatchObject({ status: '404' });
    expect((await ctx.dir.scim.get('/Bulk')).body).toMatchObject({ status: '405' });
    expect((await ctx.dir.scim.request('DELETE', '/Schemas')).status).toBe(405);
  });
});
