import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { CREATE_DIRECTORY, createDirectoryAs, createOrganizationAs, errorCodes, graphql } from '../fixtures/graphql.js';
import { startTestApp, type TestApp } from '../setup/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const SETUP_GUIDE = /* GraphQL */ `
  query ($provider: DirectoryProvider!, $directoryId: ID) {
    setupGuide(provider: $provider, directoryId: $directoryId) {
      provider
      title
      steps {
        title
        body
        values {
          label
          value
        }
      }
    }
  }
`;

const PROVIDERS = ['ENTRA_ID', 'OKTA', 'ONELOGIN', 'JUMPCLOUD', 'PING', 'GENERIC_SCIM'];

interface Guide {
  provider: string;
  title: string;
  steps: { title: string; body: string; values: { label: string; value: string }[] }[];
}

async function guideOf(provider: string, directoryId?: string): Promise<Guide> {
  const res = await graphql(t.url, t.sandboxKey, SETUP_GUIDE, { provider, directoryId });
  expect(res.errors).toBeUndefined();
  return res.data!['setupGuide'] as Guide;
}

/** The index of the step holding `value`, and of the step that says where the bearer token goes. */
function positions(guide: Guide, baseUrl: string): { baseUrlStep: number; tokenStep: number } {
  return {
    baseUrlStep: guide.steps.findIndex((s) => s.values.some((v) => v.value === baseUrl)),
    tokenStep: guide.steps.findIndex(
      (s) => /never shown again/.test(s.body) && /rotate the directory token/.test(s.body),
    ),
  };
}

describe('setupGuide', () => {
  it.each(PROVIDERS)('gives %s ordered steps with placeholders when no directory is named', async (provider) => {
    const guide = await guideOf(provider);
    expect(guide.provider).toBe(provider);
    expect(guide.steps.length).toBeGreaterThanOrEqual(3);
    const { baseUrlStep, tokenStep } = positions(guide, '<your SCIM base URL>');
    expect(baseUrlStep).toBeGreaterThanOrEqual(0);
    expect(tokenStep).toBeGreaterThanOrEqual(0);
    // Connecting comes after creating the app (except for a bare SCIM client, where it is the first step).
    if (provider !== 'GENERIC_SCIM') expect(baseUrlStep).toBeGreaterThan(0);
    for (const step of guide.steps) expect(step.title).not.toBe('');
  });

  it.each(PROVIDERS)("fills %s with the directory's SCIM base URL and never its token", async (provider) => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const { directory, token } = await createDirectoryAs(t.url, t.sandboxKey, org.id, provider);
    const guide = await guideOf(provider, directory.id);
    const { baseUrlStep, tokenStep } = positions(guide, directory.scimBaseUrl);
    expect(baseUrlStep).toBeGreaterThanOrEqual(0);
    expect(tokenStep).toBeGreaterThanOrEqual(0);
    const text = JSON.stringify(guide);
    expect(text).not.toContain(token);
    expect(text).not.toContain('<your SCIM base URL>');
  });

  it('returns NOT_FOUND for a directory of another environment', async () => {
    const org = await createOrganizationAs(t.url, t.productionKey);
    const { directory } = await createDirectoryAs(t.url, t.productionKey, org.id);
    const res = await graphql(t.url, t.sandboxKey, SETUP_GUIDE, { provider: 'OKTA', directoryId: directory.id });
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.data).toBeNull();
  });

  it('refuses a provider that is not in the enum', async () => {
    const res = await graphql(t.url, t.sandboxKey, SETUP_GUIDE, { provider: 'GOOGLE' });
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
  });

  it('is the reviewed Entra ID guide for one directory', async () => {
    const org = await createOrganizationAs(t.url, t.sandboxKey);
    const res = await graphql(t.url, t.sandboxKey, CREATE_DIRECTORY, {
      input: { organizationId: org.id, name: 'Acme Entra', provider: 'ENTRA_ID' },
    });
    const id = (res.data!['createDirectory'] as { directory: { id: string } }).directory.id;
    const guide = await guideOf('ENTRA_ID', id);
    expect(JSON.parse(JSON.stringify(guide).replaceAll(id, '<directory id>'))).toMatchSnapshot();
  });
});
