import { MikroORM, type Options } from '@mikro-orm/postgresql';

import { errorMessage } from '../lib/error-message.js';
import { withAdvisoryLock } from './database.js';
import { createOrmConfig, type OrmSettings } from './mikro-orm.config.js';

export type { MikroORM };

/**
 * Connects, and applies pending migrations unless told not to: under an advisory lock, so that processes
 * starting at once migrate one after the other, in one transaction with `statement_timeout` off (building an
 * index may take longer than any request should). Closes the ORM again when that fails. `overrides` is the
 * test seam.
 */
export async function initOrm(
  settings: OrmSettings,
  { migrate = true, overrides = {} }: { migrate?: boolean; overrides?: Partial<Options> } = {},
): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig(settings, overrides));
  if (!migrate) return orm;
  try {
    const connection = orm.em.getConnection();
    await withAdvisoryLock(settings.clientUrl, 'dsync.migrate', () =>
      connection.transactional(async (trx) => {
        await connection.execute('set local statement_timeout = 0', [], 'run', trx);
        await orm.migrator.up({ transaction: trx });
      }),
    );
  } catch (error) {
    await orm.close(true);
    throw new Error(`migrations failed: ${errorMessage(error)}`);
  }
  return orm;
}
