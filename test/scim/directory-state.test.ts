import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { allEvents } from '../fixtures/events.js';
import { errorCodes, graphql } from '../fixtures/graphql.js';
import { createTestDirectory, ERROR, scimClient, scimUserBody } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const SET_STATE = /* GraphQL */ `
  mutation ($id: ID!, $state: DirectoryState) {
    updateDirectory(id: $id, input: { state: $state }) {
      token
      directory {
        id
        state
      }
    }
  }
`;

async function setState(id: string, state: string) {
  return graphql<{ updateDirectory: { token: string | null; directory: { state: string } } }>(
    t.url,
    t.sandboxKey,
    SET_STATE,
    { id, state },
  );
}

describe('switching a directory off and on', () => {
  it('an INACTIVE directory answers every SCIM request with 403 and keeps its data; ACTIVE again serves it', async () => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    const user = (await dir.scim.post('/Users', scimUserBody())).body;

    const off = await setState(dir.directoryId, 'INACTIVE');
    expect(off.data?.updateDirectory).toEqual({ token: null, directory: { id: dir.directoryId, state: 'INACTIVE' } });
    for (const res of [
      await dir.scim.get('/Users'),
      await dir.scim.get(`/Users/${user.id}`),
      await dir.scim.post('/Users', scimUserBody()),
      await dir.scim.delete(`/Users/${user.id}`),
    ]) {
      expect(res).toMatchObject({
        status: 403,
        body: { schemas: [ERROR], status: '403', detail: expect.stringMatching(/inactive/) },
      });
    }
    // A wrong token still learns nothing about the directory's state.
    expect(
      (await scimClient(dir.scim.base, 'dst_wrongwrongwrongwrongwrongwrongwrongwrongwro').get('/Users')).status,
    ).toBe(401);

    const on = await setState(dir.directoryId, 'ACTIVE');
    expect(on.data?.updateDirectory.directory.state).toBe('ACTIVE');
    expect(await dir.scim.get(`/Users/${user.id}`)).toMatchObject({ status: 200, body: { id: user.id } });
    expect((await dir.scim.get('/Users')).body.totalResults).toBe(1);

    const events = await allEvents(t.url, t.sandboxKey, {
      directoryId: dir.directoryId,
      types: ['dsync.activated', 'dsync.deactivated'],
    });
    expect(events.map((event) => [event.type, event.data.before.state, event.data.after.state])).toEqual([
      ['dsync.activated', 'pending', 'active'],
      ['dsync.deactivated', 'active', 'inactive'],
      ['dsync.activated', 'inactive', 'active'],
    ]);
  });

  it('a directory switched off before its IdP ever called is PENDING again when switched on', async () => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    await setState(dir.directoryId, 'INACTIVE');
    expect((await setState(dir.directoryId, 'ACTIVE')).data?.updateDirectory.directory.state).toBe('PENDING');
    expect((await dir.scim.get('/Users')).status).toBe(200);
  });

  it('PENDING cannot be set by hand', async () => {
    const dir = await createTestDirectory(t.url, t.sandboxKey);
    expect(errorCodes(await setState(dir.directoryId, 'PENDING'))).toEqual(['BAD_USER_INPUT']);
  });
});
