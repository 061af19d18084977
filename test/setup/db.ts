import { randomBytes } from 'node:crypto';

import { dropDatabase, ensureDatabase, withDatabase } from '../../src/db/database.js';

export function testServerUrl(): string {
  const url = process.env['DSYNC_TEST_SERVER_URL'];
  if (!url) throw new Error('DSYNC_TEST_SERVER_URL is not set: run the tests through jest (global setup)');
  return url;
}

export interface TestDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file; the app applies the migrations when it starts. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = withDatabase(testServerUrl(), `dsync_test_${randomBytes(6).toString('hex')}`);
  await ensureDatabase(url);
  return { url, drop: () => dropDatabase(url) };
}
