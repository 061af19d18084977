import { ApiKey } from '../directory/api-key.entity.js';
import { Directory } from '../directory/directory.entity.js';
import { Environment } from '../directory/environment.entity.js';
import { GroupMember } from '../directory/group-member.entity.js';
import { DirectoryGroup } from '../directory/group.entity.js';
import { Organization } from '../directory/organization.entity.js';
import { DirectoryUser } from '../directory/user.entity.js';
import { DirectoryEventCounter, ProvisioningEvent } from '../events/event.entity.js';
import { WebhookDelivery, WebhookEndpoint } from '../webhooks/webhook.entity.js';

/**
 * Every entity, listed explicitly: folder globs need file-system discovery, which neither the
 * compiled ESM build nor the test runner can rely on.
 */
export const entities = [
  Environment,
  ApiKey,
  Organization,
  Directory,
  DirectoryUser,
  DirectoryGroup,
  GroupMember,
  ProvisioningEvent,
  DirectoryEventCounter,
  WebhookEndpoint,
  WebhookDelivery,
];
