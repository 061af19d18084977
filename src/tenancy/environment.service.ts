import type { EntityManager } from '@mikro-orm/postgresql';

import { issueSecret } from '../lib/secrets.js';
import { ApiKey } from './api-key.entity.js';
import { createApiKey } from './api-key.service.js';
import { Environment, EnvironmentName } from './environment.entity.js';

export interface BootstrapKey {
  readonly environment: EnvironmentName;
  readonly apiKey: string;
}

/**
 * On the very first start, creates the `sandbox` and `production` environments with one API key each (none
 * when `withKeys` is false: production prints no keys) and returns the plaintext keys (to be printed once).
 * `announce` gets them before the commit, on the first start only: when it fails, nothing is created, so keys
 * are never stored without having been shown. Returns `[]` on every later start. Safe when several processes
 * start at once: an advisory lock serialises them.
 */
export async function bootstrapEnvironments(
  em: EntityManager,
  announce: (keys: readonly BootstrapKey[]) => Promise<void> = async () => undefined,
  { withKeys = true }: { withKeys?: boolean } = {},
): Promise<BootstrapKey[]> {
  return em.transactional(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(hashtext('dsync.bootstrap'))`);
    if ((await tx.count(Environment)) > 0) return [];
    const keys: BootstrapKey[] = [];
    for (const name of [EnvironmentName.Sandbox, EnvironmentName.Production]) {
      const environment = tx.create(Environment, { name });
      if (!withKeys) continue;
      const secret = issueSecret(`dsk_${name}_`);
      tx.create(ApiKey, { environment, name: 'Initial key', prefix: secret.displayPrefix, secretHash: secret.hash });
      keys.push({ environment: name, apiKey: secret.plaintext });
    }
    await tx.flush();
    await announce(keys);
    return keys;
  });
}

/**
 * Mints an API key for an environment from the command line (`cli.js create-api-key`): the way in when no
 * key exists yet, or the first ones were lost. Creates the environments first if the server never started.
 */
export async function mintApiKey(
  em: EntityManager,
  environmentName: EnvironmentName,
  name: string,
): Promise<BootstrapKey> {
  await bootstrapEnvironments(em, async () => undefined, { withKeys: false });
  const environment = await em.findOneOrFail(Environment, { name: environmentName });
  const { secret } = await createApiKey(em, environment.id, name);
  return { environment: environmentName, apiKey: secret };
}
