import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { createOrmConfig, type OrmSettings } from './mikro-orm.config.js';

export type { MikroORM };

/** Connects, and applies pending migrations unless told not to. `overrides` is the test seam. */
export async function initOrm(
  settings: OrmSettings,
  { migrate = true, overrides = {} }: { migrate?: boolean; overrides?: Partial<Options> } = {},
): Promise<MikroORM> {
  const orm = await MikroORM.init(createOrmConfig(settings, overrides));
  if (migrate) await orm.migrator.up();
  return orm;
}
