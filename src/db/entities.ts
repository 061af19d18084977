import { AuditEntry } from '../audit/audit-entry.entity.js';
import { DirectoryEventCounter, ProvisioningEvent } from '../events/event.entity.js';
import { GroupMember } from '../provisioning/group-member.entity.js';
import { DirectoryGroup } from '../provisioning/group.entity.js';
import { DirectoryUser } from '../provisioning/user.entity.js';
import { Admin, AdminInvitation, AdminSession } from '../tenancy/admin.entity.js';
import { ApiKey } from '../tenancy/api-key.entity.js';
import { DirectoryHealth, DirectoryRequestCount } from '../tenancy/directory-health.entity.js';
import { Directory } from '../tenancy/directory.entity.js';
import { Environment } from '../tenancy/environment.entity.js';
import { Organization } from '../tenancy/organization.entity.js';
import { ScimRateBucket } from '../tenancy/scim-rate-bucket.entity.js';
import { ScimRequestLogEntry } from '../tenancy/scim-request-log.entity.js';
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
  ScimRateBucket,
  ScimRequestLogEntry,
  AuditEntry,
  DirectoryHealth,
  DirectoryRequestCount,
  Admin,
  AdminInvitation,
  AdminSession,
];
