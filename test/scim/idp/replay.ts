import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import type { IdpScenario, IdpState } from '../../fixtures/idp-requests/types.js';
import { createTestDirectory, type TestDirectory } from '../../fixtures/scim.js';
import { startTestApp, type TestApp } from '../../setup/app.js';

/** Replays an IdP's request sequence against a fresh directory, one `it` per request, in order. */
export function replayIdp(scenario: IdpScenario): void {
  describe(`${scenario.idp} provisioning sequence`, () => {
    let t: TestApp;
    let dir: TestDirectory;
    const state: IdpState = {};
    beforeAll(async () => {
      t = await startTestApp();
      dir = await createTestDirectory(t.url, t.sandboxKey, scenario.provider);
    });
    afterAll(async () => {
      await t.close();
    });

    for (const step of scenario.steps) {
      it(`${step.method} ${step.name}`, async () => {
        const res = await dir.scim.request(step.method, step.path(state), step.body?.(state));
        expect({ status: res.status, body: res.status === step.status ? 'ok' : res.body }).toEqual({
          status: step.status,
          body: 'ok',
        });
        if (res.body !== undefined) expect(res.headers.get('content-type')).toContain('application/scim+json');
        step.then?.(res.body, state);
      });
    }
  });
}
