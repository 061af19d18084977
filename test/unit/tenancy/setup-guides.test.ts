import { describe, expect, it } from '@jest/globals';

import { DirectoryProvider } from '../../../src/tenancy/directory.entity.js';
import { SCIM_BASE_URL_PLACEHOLDER, setupGuide } from '../../../src/tenancy/setup-guides.js';

describe('setupGuide', () => {
  // A provider added to the enum without a guide fails here (and the GraphQL query would fail for it).
  it.each(Object.values(DirectoryProvider))('has a guide for %s', (provider) => {
    const guide = setupGuide(provider);
    expect(guide.provider).toBe(provider);
    expect(guide.steps.length).toBeGreaterThanOrEqual(3);
    const values = guide.steps.flatMap((s) => s.values.map((v) => v.value));
    expect(values).toContain(SCIM_BASE_URL_PLACEHOLDER);
  });

  it('fills in the directory and keeps the same steps', () => {
    const directory = { name: 'Acme', scimBaseUrl: 'https://dsync.example/scim/v2/dir_1' };
    const filled = setupGuide(DirectoryProvider.OKTA, directory);
    const blank = setupGuide(DirectoryProvider.OKTA);
    expect(filled.title).toContain('"Acme"');
    expect(filled.steps.map((s) => s.title)).toEqual(blank.steps.map((s) => s.title));
    expect(JSON.stringify(filled)).not.toContain(SCIM_BASE_URL_PLACEHOLDER);
    expect(filled.steps.flatMap((s) => s.values)).toContainEqual({
      label: 'SCIM connector base URL',
      value: directory.scimBaseUrl,
    });
  });
});
