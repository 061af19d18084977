import { createPubSub } from '@graphql-yoga/subscription';
import type { OrganizationEventPayload } from './organizations/organization-event.type.js';

export const Topic = {
  OrganizationEvents: 'ORGANIZATION_EVENTS',
} as const;

export type TopicMap = {
  [Topic.OrganizationEvents]: [OrganizationEventPayload];
};

/** In-process pub/sub for type-graphql subscriptions; one per app instance. */
export function createAppPubSub() {
  return createPubSub<TopicMap>();
}

export type AppPubSub = ReturnType<typeof createAppPubSub>;
