import { Entity, Enum, Unique } from '@mikro-orm/core';

import { BaseEntity } from '../db/base.entity.js';

export enum EnvironmentName {
  Sandbox = 'sandbox',
  Production = 'production',
}

/** Root of all data: API keys, organizations, webhooks and events belong to exactly one environment. */
@Entity({ tableName: 'environments' })
export class Environment extends BaseEntity {
  @Unique()
  @Enum({ items: () => EnvironmentName, type: 'text' })
  name!: EnvironmentName;
}
