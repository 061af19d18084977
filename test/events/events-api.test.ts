import { beforeAll, describe, expect, it } from '@jest/globals';

import { allEvents, EVENT_FIELDS, eventsPage, type EventPayload } from '../fixtures/events.js';
import { errorCodes, graphql } from '../fixtures/graphql.js';
import { createTestDirectory, scimGroupBody, scimUserBody, type TestDirectory } from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const s = useScimDirectory();
let other: TestDirectory;
let all: EventPayload[];
beforeAll(async () => {
  other = await createTestDirectory(s.t.url, s.t.sandboxKey);
  for (let i = 0; i < 3; i++) await s.dir.scim.post('/Users', scimUserBody());
  await s.dir.scim.post('/Groups', scimGroupBody());
  await other.scim.post('/Users', scimUserBody());
  all = await allEvents(s.t.url, s.t.sandboxKey);
});

describe('query events', () => {
  it('pages through the environment history oldest first, with cursors that are event ids', async () => {
    const first = await eventsPage(s.t.url, s.t.sandboxKey, { first: 2 });
    expect(first.data?.['events']).toEqual({
      totalCount: all.length,
      pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: all[0]!.id, endCursor: all[1]!.id },
      edges: all.slice(0, 2).map((node) => ({ cursor: node.id, node })),
    });
    const second = await eventsPage(s.t.url, s.t.sandboxKey, { first: 100, after: all[1]!.id });
    expect(second.data?.['events'].edges.map((e: { node: EventPayload }) => e.node)).toEqual(all.slice(2));
    expect(second.data?.['events'].pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('filters by organization, directory and types', async () => {
    const byDirectory = await allEvents(s.t.url, s.t.sandboxKey, { directoryId: other.directoryId });
    expect(byDirectory.map((e) => e.type)).toEqual(['dsync.activated', 'dsync.user.created']);
    const byOrganization = await allEvents(s.t.url, s.t.sandboxKey, { organizationId: s.dir.organizationId });
    expect(byOrganization.every((e) => e.organizationId === s.dir.organizationId)).toBe(true);
    const groups = await allEvents(s.t.url, s.t.sandboxKey, { types: ['dsync.group.created'] });
    expect(groups).toEqual(all.filter((e) => e.type === 'dsync.group.created'));
  });

  it('filters by time: since is inclusive, until exclusive', async () => {
    const pivot = all[2]!;
    const since = await allEvents(s.t.url, s.t.sandboxKey, { since: pivot.createdAt });
    expect(since.every((e) => e.createdAt >= pivot.createdAt)).toBe(true);
    expect(since).toContainEqual(pivot);
    const until = await allEvents(s.t.url, s.t.sandboxKey, { until: pivot.createdAt });
    expect(until).not.toContainEqual(pivot);
    expect([...until, ...since].length).toBe(all.length);
  });

  it('reads one event by id', async () => {
    const res = await graphql(s.t.url, s.t.sandboxKey, `query($id: ID!) { event(id: $id) { ${EVENT_FIELDS} } }`, {
      id: all[3]!.id,
    });
    expect(res.data).toEqual({ event: all[3] });
  });

  it.each([
    ['an unknown event type', { filter: { types: ['user.created'] } }, 'BAD_USER_INPUT'],
    ['a malformed directory id', { filter: { directoryId: 'nope' } }, 'BAD_USER_INPUT'],
    ['a page size over 100', { first: 101 }, 'BAD_USER_INPUT'],
    ['an unknown cursor', { after: '0a0a0a0a-0a0a-4a0a-8a0a-0a0a0a0a0a0a' }, 'NOT_FOUND'],
  ])('rejects %s', async (_name, variables, code) => {
    expect(errorCodes(await eventsPage(s.t.url, s.t.sandboxKey, variables))).toEqual([code]);
  });

  it('is NOT_FOUND across environments, for ids that exist in another one', async () => {
    const key = s.t.productionKey;
    expect(errorCodes(await eventsPage(s.t.url, key, { filter: { directoryId: s.dir.directoryId } }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodes(await eventsPage(s.t.url, key, { filter: { organizationId: s.dir.organizationId } }))).toEqual([
      'NOT_FOUND',
    ]);
    expect(errorCodes(await eventsPage(s.t.url, key, { after: all[0]!.id }))).toEqual(['NOT_FOUND']);
    expect(
      errorCodes(
        await graphql(
          s.t.url,
          key,
          `
            query ($id: ID!) {
              event(id: $id) {
                id
              }
            }
          `,
          { id: all[0]!.id },
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    expect((await eventsPage(s.t.url, key, {})).data?.['events'].totalCount).toBe(0);
  });

  it('keeps the history of a deleted directory, ending with dsync.deleted', async () => {
    const doomed = await createTestDirectory(s.t.url, s.t.sandboxKey);
    await doomed.scim.post('/Users', scimUserBody());
    await graphql(
      s.t.url,
      s.t.sandboxKey,
      `
        mutation ($id: ID!) {
          deleteDirectory(id: $id)
        }
      `,
      { id: doomed.directoryId },
    );
    const history = await allEvents(s.t.url, s.t.sandboxKey, { directoryId: doomed.directoryId });
    expect(history.map((e) => [e.type, e.sequence])).toEqual([
      ['dsync.activated', 1],
      ['dsync.user.created', 2],
      ['dsync.deleted', 3],
    ]);
    expect(history[2]?.data).toMatchObject({ before: { id: doomed.directoryId, state: 'active' }, after: null });
  });

  it('records dsync.deleted for each directory of a deleted organization', async () => {
    const doomed = await createTestDirectory(s.t.url, s.t.sandboxKey);
    await graphql(
      s.t.url,
      s.t.sandboxKey,
      `
        mutation ($id: ID!) {
          deleteOrganization(id: $id)
        }
      `,
      { id: doomed.organizationId },
    );
    const history = await allEvents(s.t.url, s.t.sandboxKey, { organizationId: doomed.organizationId });
    expect(history.map((e) => e.type)).toEqual(['dsync.deleted']);
    expect(history[0]?.data.before).toMatchObject({ id: doomed.directoryId, state: 'pending' });
  });
});
