import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../directory/types.js';
import { createLoaders, type Loaders } from './loaders.js';
import type { AppPubSub } from './pubsub.js';

/** What resolvers may use; built per HTTP request and per subscription. */
export interface GraphQLContext {
  readonly em: EntityManager;
  readonly viewer: Viewer;
  readonly loaders: Loaders;
  readonly pubSub: AppPubSub;
  /** Base for SCIM URLs, e.g. `https://dsync.example.com`. */
  readonly publicUrl: string;
}

export function createContext(
  em: EntityManager,
  viewer: Viewer,
  shared: Pick<GraphQLContext, 'pubSub' | 'publicUrl'>,
): GraphQLContext {
  return { em, viewer, loaders: createLoaders(em, viewer.environmentId), ...shared };
}
