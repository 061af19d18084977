import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { dropDatabase, withDatabase } from '../../src/db/database.js';
import { testServerUrl } from '../setup/db.js';
import { exitCode, killAll, startProcess, tempDataDir, waitForStdout } from '../setup/lifecycle.js';
import { freePort } from '../setup/process.js';

// main.ts picks the log format: JSON lines by default off a terminal, human-readable with LOG_FORMAT=pretty
// (and in development at a terminal, which test/unit/lib/logger.test.ts covers).

describe('LOG_FORMAT', () => {
  let dataDir: string;
  let databaseUrl: string;
  beforeAll(async () => {
    dataDir = await tempDataDir('dsync-log-format-');
    databaseUrl = withDatabase(testServerUrl(), `dsync_logs_${randomBytes(6).toString('hex')}`);
  });
  afterEach(async () => {
    await killAll();
  });
  afterAll(async () => {
    await dropDatabase(databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['json', /^\{"level":30,.*"msg":"listening"/m],
    ['pretty', /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): listening$/m],
  ])(
    '%s',
    async (format, listening) => {
      const env = {
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        LOG_FORMAT: format,
      };
      const server = startProcess(env);
      await waitForStdout(server, /dsync is up/);
      expect(server.stdout).toMatch(listening);
      server.child.kill('SIGTERM');
      expect(await exitCode(server)).toBe(0);
    },
    90_000,
  );
});
