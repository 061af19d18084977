import { describe, expect, it } from '@jest/globals';

import { allEvents, type EventPayload } from '../fixtures/events.js';
import {
  createTestDirectory,
  ENTERPRISE,
  scimGroupBody,
  scimPatch,
  scimUserBody,
  type TestDirectory,
} from '../fixtures/scim.js';
import { useScimDirectory } from '../setup/scim.js';

const s = useScimDirectory();

/** The events of one resource (user or group id anywhere in the payload), in commit order. */
async function eventsAbout(id: string): Promise<EventPayload[]> {
  const events = await allEvents(s.t.url, s.t.sandboxKey, { directoryId: s.dir.directoryId });
  return events.filter((event) => JSON.stringify(event.data).includes(id));
}

async function createUser(dir: TestDirectory = s.dir, overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await dir.scim.post('/Users', scimUserBody(overrides));
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('user events', () => {
  it('records dsync.user.created with the normalized user, in the same scope as the directory', async () => {
    const res = await s.dir.scim.post(
      '/Users',
      scimUserBody({
        userName: 'grace@example.com',
        externalId: 'ext-grace',
        [ENTERPRISE]: { department: 'R&D', manager: { value: 'boss-1' } },
      }),
    );
    const [event] = await eventsAbout(res.body.id);
    expect(event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      sequence: expect.any(Number),
      type: 'dsync.user.created',
      createdAt: expect.any(String),
      environmentId: expect.any(String),
      organizationId: s.dir.organizationId,
      directoryId: s.dir.directoryId,
      data: {
        before: null,
        changed: [],
        after: {
          id: res.body.id,
          directoryId: s.dir.directoryId,
          organizationId: s.dir.organizationId,
          externalId: 'ext-grace',
          userName: 'grace@example.com',
          email: 'grace@example.com',
          emails: ['grace@example.com'],
          firstName: 'Ada',
          lastName: 'Lovelace',
          displayName: 'Ada Lovelace',
          state: 'active',
          groups: [],
          customAttributes: { department: 'R&D', manager: 'boss-1' },
          raw: expect.objectContaining({
            userName: 'grace@example.com',
            [ENTERPRISE]: { department: 'R&D', manager: { value: 'boss-1' } },
          }),
          version: 1,
        },
      },
    });
  });

  it('records deactivation as dsync.user.updated with state going active → inactive', async () => {
    const id = await createUser();
    expect(
      (await s.dir.scim.patch(`/Users/${id}`, scimPatch({ op: 'Replace', path: 'active', value: 'False' }))).status,
    ).toBe(200);
    const [, updated] = await eventsAbout(id);
    expect(updated?.type).toBe('dsync.user.updated');
    expect(updated?.data.before).toMatchObject({ state: 'active', version: 1 });
    expect(updated?.data.after).toMatchObject({ state: 'inactive', version: 2 });
    expect(updated?.data.changed).toEqual(['state', 'active']);
  });

  it('lists changed attribute paths deeply: sub-attributes, typed multi-values and extension attributes', async () => {
    const id = await createUser(s.dir, { emails: [{ value: 'old@example.com', type: 'work', primary: true }] });
    const res = await s.dir.scim.patch(
      `/Users/${id}`,
      scimPatch(
        { op: 'replace', path: 'name.givenName', value: 'Augusta' },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
        { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'mgr-7' } },
      ),
    );
    expect(res.status).toBe(200);
    const [, updated] = await eventsAbout(id);
    expect(updated?.data.changed).toEqual(
      expect.arrayContaining([
        'firstName',
        'displayName',
        'email',
        'emails',
        'name',
        'name.givenName',
        'emails[type eq "work"]',
        'emails[type eq "work"].value',
        ENTERPRISE,
        `${ENTERPRISE}:manager`,
        `${ENTERPRISE}:manager.value`,
      ]),
    );
    expect(updated?.data.changed).not.toContain('name.familyName');
    expect(updated?.data.after.customAttributes).toEqual({ manager: 'mgr-7' });
  });

  it('records nothing for a PATCH or PUT that changes nothing (IdPs resend unchanged values)', async () => {
    const body = scimUserBody();
    const created = await s.dir.scim.post('/Users', body);
    const id = created.body.id as string;
    expect(
      (await s.dir.scim.patch(`/Users/${id}`, scimPatch({ op: 'replace', path: 'active', value: true }))).status,
    ).toBe(200);
    expect(
      (await s.dir.scim.patch(`/Users/${id}`, scimPatch({ op: 'replace', value: { 'name.givenName': 'Ada' } }))).status,
    ).toBe(200);
    const put = await s.dir.scim.put(`/Users/${id}`, { ...body, id });
    expect(put.status).toBe(200);
    expect(put.body.meta.version).toBe(created.body.meta.version);
    expect((await eventsAbout(id)).map((event) => event.type)).toEqual(['dsync.user.created']);
  });

  it('deleting a user in groups records the removals, then the deletion', async () => {
    const id = await createUser();
    const groupA = (await s.dir.scim.post('/Groups', scimGroupBody({ displayName: 'Alpha', members: [{ value: id }] })))
      .body;
    const groupB = (await s.dir.scim.post('/Groups', scimGroupBody({ displayName: 'Beta', members: [{ value: id }] })))
      .body;
    expect((await s.dir.scim.delete(`/Users/${id}`)).status).toBe(204);
    const events = (await eventsAbout(id)).slice(-3);
    expect(events.map((event) => [event.type, event.data.group?.id ?? null])).toEqual([
      ['dsync.group.user_removed', groupA.id],
      ['dsync.group.user_removed', groupB.id],
      ['dsync.user.deleted', null],
    ]);
    expect(events[0]?.data.group.version).toBeGreaterThan(1);
    expect(events[0]?.data.user.groups).toEqual([{ id: groupB.id, displayName: 'Beta' }]);
    expect(events[1]?.data.user.groups).toEqual([]);
    expect(events[2]?.data).toMatchObject({
      before: { id, groups: [{ id: groupA.id }, { id: groupB.id }] },
      after: null,
    });
    expect(events.map((event) => event.sequence)).toEqual([
      events[0]!.sequence,
      events[0]!.sequence + 1,
      events[0]!.sequence + 2,
    ]);
  });
});

describe('deleting a user while groups change', () => {
  it('neither deadlocks nor loses an event when the user is added to groups at the same time', async () => {
    for (let round = 0; round < 5; round++) {
      const id = await createUser();
      const groups = await Promise.all(
        [1, 2, 3].map(() =>
          s.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: id }] })).then((r) => r.body.id as string),
        ),
      );
      const others = await Promise.all(
        [1, 2].map(() => s.dir.scim.post('/Groups', scimGroupBody()).then((r) => r.body.id as string)),
      );
      const results = await Promise.all([
        ...others.map((g) =>
          s.dir.scim.patch(`/Groups/${g}`, scimPatch({ op: 'add', path: 'members', value: [{ value: id }] })),
        ),
        s.dir.scim.delete(`/Users/${id}`),
        ...groups.map((g) =>
          s.dir.scim.patch(
            `/Groups/${g}`,
            // Group names are unique in a directory: each group gets its own.
            scimPatch({ op: 'replace', path: 'displayName', value: `renamed ${round} ${g}` }),
          ),
        ),
      ]);
      // An add that ran after the delete finds no such user (400); nothing fails with 500.
      expect(results.filter((r) => ![200, 204, 400].includes(r.status)).map((r) => [r.status, r.body])).toEqual([]);
      const events = await eventsAbout(id);
      const added = events.filter((e) => e.type === 'dsync.group.user_added').map((e) => e.data.group.id);
      const removed = events.filter((e) => e.type === 'dsync.group.user_removed').map((e) => e.data.group.id);
      expect(removed.sort()).toEqual(added.sort()); // every membership that existed was removed exactly once
      expect(events.at(-1)?.type).toBe('dsync.user.deleted');
    }
  });
});

describe('group events', () => {
  it('records dsync.group.created, then one user_added per initial member', async () => {
    const [u1, u2] = [await createUser(), await createUser()];
    const group = (
      await s.dir.scim.post(
        '/Groups',
        scimGroupBody({ displayName: 'Engineering', externalId: 'eng', members: [{ value: u1 }, { value: u2 }] }),
      )
    ).body;
    const events = await eventsAbout(group.id);
    expect(events.map((event) => event.type)).toEqual([
      'dsync.group.created',
      'dsync.group.user_added',
      'dsync.group.user_added',
    ]);
    expect(events[0]?.data).toEqual({
      before: null,
      changed: [],
      after: {
        id: group.id,
        directoryId: s.dir.directoryId,
        organizationId: s.dir.organizationId,
        externalId: 'eng',
        displayName: 'Engineering',
        raw: expect.objectContaining({ displayName: 'Engineering' }),
        version: 1,
      },
    });
    expect(events.slice(1).map((event) => event.data.user.id)).toEqual([u1, u2]);
    expect(events[1]?.data.user.groups).toEqual([{ id: group.id, displayName: 'Engineering' }]);
  });

  it('records one event per user for batch member PATCHes (Entra sends adds and removes together)', async () => {
    const users = [await createUser(), await createUser(), await createUser(), await createUser()];
    const group = (await s.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: users[0] }] }))).body;
    const res = await s.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch(
        { op: 'Add', path: 'members', value: [{ value: users[1] }, { value: users[2] }, { value: users[3] }] },
        { op: 'Remove', path: `members[value eq "${users[0]}"]` },
        { op: 'Add', path: 'members', value: [{ value: users[1] }] }, // already a member: no event
      ),
    );
    expect(res.status).toBe(204);
    const events = (await eventsAbout(group.id)).slice(2);
    expect(events.map((event) => [event.type, event.data.user.id])).toEqual([
      ['dsync.group.user_added', users[1]],
      ['dsync.group.user_added', users[2]],
      ['dsync.group.user_added', users[3]],
      ['dsync.group.user_removed', users[0]],
    ]);
    expect(new Set(events.map((event) => event.data.group.version))).toEqual(new Set([2]));
  });

  it('records only the real difference of a PUT that replaces the member list', async () => {
    const [keep, drop, add] = [await createUser(), await createUser(), await createUser()];
    const group = (
      await s.dir.scim.post(
        '/Groups',
        scimGroupBody({ displayName: 'Put', members: [{ value: keep }, { value: drop }] }),
      )
    ).body;
    const res = await s.dir.scim.put(
      `/Groups/${group.id}`,
      scimGroupBody({ id: group.id, displayName: 'Put renamed', members: [{ value: keep }, { value: add }] }),
    );
    expect(res.status).toBe(200);
    const events = (await eventsAbout(group.id)).slice(3);
    expect(events.map((event) => [event.type, event.data.user?.id ?? null])).toEqual([
      ['dsync.group.updated', null],
      ['dsync.group.user_removed', drop],
      ['dsync.group.user_added', add],
    ]);
    expect(events[0]?.data).toMatchObject({
      before: { displayName: 'Put' },
      after: { displayName: 'Put renamed' },
      changed: ['displayName'],
    });
  });

  it('records nothing for a member PATCH that changes nothing', async () => {
    const user = await createUser();
    const group = (await s.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: user }] }))).body;
    const before = await eventsAbout(group.id);
    await s.dir.scim.patch(`/Groups/${group.id}`, scimPatch({ op: 'add', path: 'members', value: [{ value: user }] }));
    await s.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'replace', path: 'displayName', value: group.displayName }),
    );
    await s.dir.scim.patch(
      `/Groups/${group.id}`,
      scimPatch({ op: 'remove', path: `members[value eq "${await createUser()}"]` }),
    );
    expect(await eventsAbout(group.id)).toEqual(before);
  });

  it('deleting a group records a removal per member, then dsync.group.deleted', async () => {
    const [u1, u2] = [await createUser(), await createUser()];
    const group = (await s.dir.scim.post('/Groups', scimGroupBody({ members: [{ value: u1 }, { value: u2 }] }))).body;
    expect((await s.dir.scim.delete(`/Groups/${group.id}`)).status).toBe(204);
    const events = (await eventsAbout(group.id)).slice(3);
    expect(events.map((event) => [event.type, event.data.user?.id ?? null])).toEqual([
      ['dsync.group.user_removed', [u1, u2].sort()[0]],
      ['dsync.group.user_removed', [u1, u2].sort()[1]],
      ['dsync.group.deleted', null],
    ]);
  });
});

describe('directory events', () => {
  it('records dsync.activated exactly once when the first SCIM requests race', async () => {
    const fresh = await createTestDirectory(s.t.url, s.t.sandboxKey);
    const results = await Promise.all(Array.from({ length: 10 }, () => fresh.scim.get('/Users')));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const events = await allEvents(s.t.url, s.t.sandboxKey, { directoryId: fresh.directoryId });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'dsync.activated',
        sequence: 1,
        data: {
          before: expect.objectContaining({ state: 'pending' }),
          after: expect.objectContaining({ state: 'active' }),
          changed: ['state'],
        },
      }),
    ]);
  });
});

describe('sequence and version', () => {
  it('numbers every event of a directory 1, 2, 3, … without gaps, in commit order', async () => {
    await createUser();
    const events = await allEvents(s.t.url, s.t.sandboxKey, { directoryId: s.dir.directoryId });
    expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]?.type).toBe('dsync.activated');
  });
});
