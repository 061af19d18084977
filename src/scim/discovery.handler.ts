import { BULK_MAX_PAYLOAD_SIZE } from './bulk.handler.js';
import { ScimError } from './errors.js';
import { MAX_RESULTS } from './list-params.js';
import { LIST_RESPONSE_SCHEMA, type ScimRequest, type ScimResponse } from './request.js';
import {
  ENTERPRISE_USER_SCHEMA,
  enterpriseUserSchema,
  groupSchema,
  userSchema,
  type SchemaDefinition,
} from './schema-definitions.js';

function listOf(resources: unknown[]): ScimResponse {
  return {
    status: 200,
    body: {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: resources.length,
      itemsPerPage: resources.length,
      startIndex: 1,
      Resources: resources,
    },
  };
}

/** RFC 7643 §5: what this server supports, kept true to the implementation. */
function serviceProviderConfig(req: ScimRequest, maxBulkOperations: number) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: true, maxOperations: maxBulkOperations, maxPayloadSize: BULK_MAX_PAYLOAD_SIZE },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: "Authentication with the directory's bearer token (Authorization: Bearer <token>)",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${req.baseUrl}/ServiceProviderConfig` },
  };
}

function resourceTypes(req: ScimRequest) {
  return [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: userSchema.id,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${req.baseUrl}/ResourceTypes/User` },
    },
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: groupSchema.id,
      meta: { resourceType: 'ResourceType', location: `${req.baseUrl}/ResourceTypes/Group` },
    },
  ];
}

function schemaResource(req: ScimRequest, schema: SchemaDefinition) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    ...schema,
    // `id` and `externalId` are common attributes (RFC 7643 §3.1), not part of the published User/Group schema.
    attributes: schema.attributes.filter((a) => a.name !== 'id' && a.name !== 'externalId'),
    meta: { resourceType: 'Schema', location: `${req.baseUrl}/Schemas/${schema.id}` },
  };
}

function byId<T extends { id: string }>(items: T[], id: string, what: string): ScimResponse {
  const found = items.find((item) => item.id === id);
  if (!found) throw new ScimError(404, `${what} ${JSON.stringify(id)} not found`);
  return { status: 200, body: found };
}

/** `/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]` (RFC 7644 §4). Read-only. */
export function handleDiscovery(resource: string, req: ScimRequest, maxBulkOperations: number): ScimResponse {
  if (req.method !== 'GET') throw new ScimError(405, `${req.method} is not supported on /${resource}`);
  if (resource === 'ServiceProviderConfig') {
    if (req.id) throw new ScimError(404, 'ServiceProviderConfig has no sub-resources');
    return { status: 200, body: serviceProviderConfig(req, maxBulkOperations) };
  }
  if (resource === 'ResourceTypes')
    return req.id ? byId(resourceTypes(req), req.id, 'ResourceType') : listOf(resourceTypes(req));
  const schemas = [userSchema, groupSchema, enterpriseUserSchema].map((schema) => schemaResource(req, schema));
  return req.id ? byId(schemas, req.id, 'Schema') : listOf(schemas);
}
