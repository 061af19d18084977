import { afterAll, beforeAll } from '@jest/globals';

import { createTestDirectory, type TestDirectory } from '../fixtures/scim.js';
import { startTestApp, type TestApp } from './app.js';

export interface ScimTestContext {
  readonly t: TestApp;
  readonly dir: TestDirectory;
}

/** One server and one fresh directory for a whole test file; closed after it. */
export function useScimDirectory(): ScimTestContext {
  const context = {} as { t: TestApp; dir: TestDirectory };
  beforeAll(async () => {
    context.t = await startTestApp();
    context.dir = await createTestDirectory(context.t.url, context.t.sandboxKey);
  });
  afterAll(async () => {
    await context.t.close();
  });
  return context;
}
