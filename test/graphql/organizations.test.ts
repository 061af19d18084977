import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import {
  CREATE_ORGANIZATION,
  createDirectoryAs,
  createOrganizationAs,
  errorCodes,
  graphql,
  uniq,
} from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const ORGANIZATIONS = /* GraphQL */ `
  query Organizations($first: Int, $after: String, $filter: OrganizationFilter) {
    organizations(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        cursor
        node {
          id
          name
          domain
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`;

describe('createOrganization', () => {
  it('creates an organization with a lower-cased domain and metadata', async () => {
    const domain = `${uniq('acme')}.Example.COM`;
    const res = await graphql(t.url, t.sandboxKey, CREATE_ORGANIZATION, {
      input: { name: '  Acme Inc  ', domain, metadata: { plan: 'enterprise', seats: 40 } },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.['createOrganization']).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Acme Inc',
      domain: domain.toLowerCase(),
      metadata: { plan: 'enterprise', seats: 40 },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
  });

  it('returns CONFLICT for a domain already used in the same environment, in any case', async () => {
    const domain = `${uniq('dup')}.com`;
    await createOrganizationAs(t.url, t.sandboxKey, { domain });
    const res = await graphql(t.url, t.sandboxKey, CREATE_ORGANIZATION, {
      input: { name: 'Copy', domain: domain.toUpperCase() },
    });
    expect(res.data).toBeNull();
    expect(errorCodes(res)).toEqual(['CONFLICT']);
    expect(res.errors?.[0]?.message).toContain(domain);
  });

  it('allows the same domain in another environment', async () => {
    const domain = `${uniq('shared')}.com`;
    await createOrganizationAs(t.url, t.sandboxKey, { domain });
    const other = await createOrganizationAs(t.url, t.productionKey, { domain });
    expect(other.domain).toBe(domain);
  });

  it('returns exactly one success for concurrent creations with one domain', async () => {
    const domain = `${uniq('race')}.com`;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        graphql(t.url, t.sandboxKey, CREATE_ORGANIZATION, { input: { name: `Racer ${i}`, domain } }),
      ),
    );
    expect(results.filter((r) => r.data?.['createOrganization']).length).toBe(1);
    expect(results.flatMap(errorCodes).sort()).toEqual(Array(9).fill('CONFLICT'));
    const list = await graphql(t.url, t.sandboxKey, ORGANIZATIONS, { filter: { domain } });
    expect(list.data?.['organizations'].totalCount).toBe(1);
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(201) }, 'name'],
    [{ name: 'Bad', domain: 'not a domain' }, 'domain'],
    [{ name: 'Bad', domain: 'http://acme.com' }, 'domain'],
  ])('rejects invalid input %j with BAD_USER_INPUT', async (input, field) => {
    const res = await graphql(t.url, t.sandboxKey, CREATE_ORGANIZATION, { input });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(res.errors)).toContain(field);
  });

  it('rejects metadata that is not an object', async () => {
    const res = await graphql(t.url, t.sandboxKey, CREATE_ORGANIZATION, { input: { name: 'M', metadata: [1, 2] } });
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('organizations', () => {
  it('pages through the environment with cursors, in creation order', async () => {
    const { url, productionKey } = t;
    const tag = uniq('page');
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createOrganizationAs(url, productionKey, { name: `${tag} ${i}` }));

    const first = await graphql(url, productionKey, ORGANIZATIONS, { first: 2, filter: { name: tag } });
    const page1 = first.data?.['organizations'];
    expect(page1.totalCount).toBe(5);
    expect(page1.edges.map((e: any) => e.node.id)).toEqual([created[0]?.id, created[1]?.id]);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const second = await graphql(url, productionKey, ORGANIZATIONS, {
      first: 2,
      after: page1.pageInfo.endCursor,
      filter: { name: tag },
    });
    const page2 = second.data?.['organizations'];
    expect(page2.edges.map((e: any) => e.node.id)).toEqual([created[2]?.id, created[3]?.id]);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });

    const third = await graphql(url, productionKey, ORGANIZATIONS, {
      first: 2,
      after: page2.pageInfo.endCursor,
      filter: { name: tag },
    });
    expect(third.data?.['organizations'].edges.map((e: any) => e.node.id)).toEqual([created[4]?.id]);
    expect(third.data?.['organizations'].pageInfo.hasNextPage).toBe(false);
  });

  it('filters by case-insensitive name substring (LIKE wildcards are literal) and by domain', async () => {
    const tag = uniq('Filter');
    const a = await createOrganizationAs(t.url, t.sandboxKey, {
      name: `${tag} 100% Alpha`,
      domain: `${uniq('alpha')}.io`,
    });
    await createOrganizationAs(t.url, t.sandboxKey, { name: `${tag} Beta` });
    const byName = await graphql(t.url, t.sandboxKey, ORGANIZATIONS, { filter: { name: `${tag.toUpperCase()} 100%` } });
    expect(byName.data?.['organizations'].edges.map((e: any) => e.node.id)).toEqual([a.id]);
    const wildcard = await graphql(t.url, t.sandboxKey, ORGANIZATIONS, { filter: { name: `${tag}_` } });
    expect(wildcard.data?.['organizations'].totalCount).toBe(0);
    const byDomain = await graphql(t.url, t.sandboxKey, ORGANIZATIONS, { filter: { domain: a.domain?.toUpperCase() } });
    expect(byDomain.data?.['organizations'].edges.map((e: any) => e.node.id)).toEqual([a.id]);
  });

  it('never lists another environment', async () => {
    const tag = uniq('iso');
    await createOrganizationAs(t.url, t.productionKey, { name: tag });
    const res = await graphql(t.url, t.sandboxKey, ORGANIZATIONS, { filter: { name: tag } });
    expect(res.data?.['organizations']).toMatchObject({ totalCount: 0, edges: [] });
  });

  it.each([
    [{ first: -1 }, 'first'],
    [{ first: 101 }, 'first'],
    [{ after: 'not-a-cursor' }, 'after'],
    [{ after: Buffer.from('["x"]').toString('base64url') }, 'after'],
  ])('rejects paging arguments %j with BAD_USER_INPUT', async (args, field) => {
    const res = await graphql(t.url, t.sandboxKey, ORGANIZATIONS, args);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.errors?.[0]?.extensions?.['field']).toBe(field);
  });
});

describe('organization / updateOrganization / deleteOrganization', () => {
  const ORGANIZATION = `query($id: ID!) { organization(id: $id) { id name domain metadata directories { totalCount edges { node { id } } } } }`;
  const UPDATE = `mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id name domain metadata } }`;
  const DELETE = `mutation($id: ID!) { deleteOrganization(id: $id) }`;

  it('reads one organization with its directories', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const dir = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    const res = await graphql(t.url, t.sandboxKey, ORGANIZATION, { id: org.id });
    expect(res.data?.['organization']).toMatchObject({
      id: org.id,
      directories: { totalCount: 1, edges: [{ node: { id: dir.directory.id } }] },
    });
  });

  it('updates name, domain and metadata; null clears the domain; omitted fields stay', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey, { domain: `${uniq('u')}.com`, metadata: { a: 1 } });
    const renamed = await graphql(t.url, t.sandboxKey, UPDATE, { id: org.id, input: { name: 'Renamed' } });
    expect(renamed.data?.['updateOrganization']).toEqual({
      id: org.id,
      name: 'Renamed',
      domain: org.domain,
      metadata: { a: 1 },
    });
    const cleared = await graphql(t.url, t.sandboxKey, UPDATE, {
      id: org.id,
      input: { domain: null, metadata: { b: 2 } },
    });
    expect(cleared.data?.['updateOrganization']).toEqual({
      id: org.id,
      name: 'Renamed',
      domain: null,
      metadata: { b: 2 },
    });
  });

  it('returns CONFLICT when renaming onto a taken domain, and keeps the old value', async () => {
    const taken = `${uniq('taken')}.com`;
    await createOrganizationAs(t.url, t.sandboxKey, { domain: taken });
    const org = await createOrganizationAs(t.url, t.sandboxKey, { domain: `${uniq('mine')}.com` });
    const res = await graphql(t.url, t.sandboxKey, UPDATE, { id: org.id, input: { domain: taken } });
    expect(errorCodes(res)).toEqual(['CONFLICT']);
    const after = await graphql(t.url, t.sandboxKey, ORGANIZATION, { id: org.id });
    expect(after.data?.['organization'].domain).toBe(org.domain);
  });

  it('deletes an organization together with its directories', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const dir = await createDirectoryAs(t.url, t.sandboxKey, org.id);
    const res = await graphql(t.url, t.sandboxKey, DELETE, { id: org.id });
    expect(res.data).toEqual({ deleteOrganization: org.id });
    expect(errorCodes(await graphql(t.url, t.sandboxKey, ORGANIZATION, { id: org.id }))).toEqual(['NOT_FOUND']);
    const directory = await graphql(
      t.url,
      t.sandboxKey,
      `
        query ($id: ID!) {
          directory(id: $id) {
            id
          }
        }
      `,
      { id: dir.directory.id },
    );
    expect(errorCodes(directory)).toEqual(['NOT_FOUND']);
    const rows = await t.app.orm.em
      .fork()
      .getConnection()
      .execute('select count(*)::int as n from directories where id = ?', [dir.directory.id]);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it.each(['read', 'update', 'delete'])(
    'returns NOT_FOUND to %s an organization of another environment',
    async (action) => {
      const other = await createOrganizationAs(t.url, t.productionKey);
      const res =
        action === 'read'
          ? await graphql(t.url, t.sandboxKey, ORGANIZATION, { id: other.id })
          : action === 'update'
            ? await graphql(t.url, t.sandboxKey, UPDATE, { id: other.id, input: { name: 'Hijack' } })
            : await graphql(t.url, t.sandboxKey, DELETE, { id: other.id });
      expect(errorCodes(res)).toEqual(['NOT_FOUND']);
      const still = await graphql(t.url, t.productionKey, ORGANIZATION, { id: other.id });
      expect(still.data?.['organization']).toMatchObject({ id: other.id, name: other.name });
    },
  );

  it.each(['not-a-uuid', '00000000-0000-7000-8000-000000000000'])(
    'returns NOT_FOUND for the unknown id %s',
    async (id) => {
      expect(errorCodes(await graphql(t.url, t.sandboxKey, ORGANIZATION, { id }))).toEqual(['NOT_FOUND']);
      expect(errorCodes(await graphql(t.url, t.sandboxKey, DELETE, { id }))).toEqual(['NOT_FOUND']);
    },
  );
});
