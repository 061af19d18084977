import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { createOrmConfig, type OrmSettings } from './mikro-orm.config.js';

export type { MikroORM };

/**
 * Connects, and applies pending migrations unless told not to. `overrides` is the test seam. Migrations run
 * in one transaction with `statement_timeout` off: building an index may take longer than any request should.
 */
export async function initOrm(
  settings: OrmSettings,
  { migrate = true, overrides = {} }: { migrate?: boolean; overrides?: Partial<Options> } = {},
): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig(settings, overrides));
  if (migrate) {
    const connection = orm.em.getConnection();
    await connection.transactional(async (trx) => {
      await connection.execute('set local statement_timeout = 0', [], 'run', trx);
      await orm.migrator.up({ transaction: trx });
    });
  }
  return orm;
}
