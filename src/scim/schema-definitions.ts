/**
 * RFC 7643 §7/§8.7.1 schema definitions for User, Group and the Enterprise User extension, reduced to what
 * dsync supports. They are served by `/Schemas` and drive filter, PATCH and attribute-projection path
 * resolution (attribute names are case-insensitive, RFC 7643 §2.1).
 */

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  readonly returned: 'always' | 'never' | 'default' | 'request';
  readonly uniqueness: 'none' | 'server' | 'global';
  readonly subAttributes?: readonly AttributeDefinition[];
  readonly referenceTypes?: readonly string[];
  readonly canonicalValues?: readonly string[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

type Options = Partial<Omit<AttributeDefinition, 'name' | 'type'>>;

function attr(name: string, type: AttributeType, options: Options = {}): AttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    description: options.description ?? name,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...options,
  };
}

const str = (name: string, options: Options = {}) => attr(name, 'string', options);

/** A multi-valued complex attribute with the usual value/display/type/primary sub-attributes. */
function multi(
  name: string,
  valueType: AttributeType = 'string',
  extra: AttributeDefinition[] = [],
  options: Options = {},
) {
  return attr(name, 'complex', {
    multiValued: true,
    subAttributes: [attr('value', valueType), str('display'), str('type'), attr('primary', 'boolean'), ...extra],
    ...options,
  });
}

const COMMON: readonly AttributeDefinition[] = [
  str('id', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  str('externalId', { caseExact: true }),
];

export const userSchema: SchemaDefinition = {
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    ...COMMON,
    str('userName', {
      required: true,
      uniqueness: 'server',
      description: 'Unique identifier for the User, case-insensitive.',
    }),
    attr('name', 'complex', {
      subAttributes: ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map(
        (n) => str(n),
      ),
    }),
    str('displayName'),
    str('nickName'),
    attr('profileUrl', 'reference', { referenceTypes: ['external'] }),
    str('title'),
    str('userType'),
    str('preferredLanguage'),
    str('locale'),
    str('timezone'),
    attr('active', 'boolean'),
    str('password', { mutability: 'writeOnly', returned: 'never' }),
    multi('emails'),
    multi('phoneNumbers'),
    multi('ims'),
    multi('photos', 'reference'),
    attr('addresses', 'complex', {
      multiValued: true,
      subAttributes: ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type']
        .map((n) => str(n))
        .concat([attr('primary', 'boolean')]),
    }),
    multi('groups', 'string', [attr('$ref', 'reference', { mutability: 'readOnly' })], { mutability: 'readOnly' }),
    multi('entitlements'),
    multi('roles'),
    multi('x509Certificates', 'binary'),
  ],
};

export const enterpriseUserSchema: SchemaDefinition = {
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber'),
    str('costCenter'),
    str('organization'),
    str('division'),
    str('department'),
    attr('manager', 'complex', {
      subAttributes: [str('value'), attr('$ref', 'reference'), str('displayName', { mutability: 'readOnly' })],
    }),
  ],
};

export const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    ...COMMON,
    str('displayName', { required: true }),
    attr('members', 'complex', {
      multiValued: true,
      subAttributes: [
        str('value', { mutability: 'immutable' }),
        str('display'),
        attr('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        str('type', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
      ],
    }),
  ],
};

/** Attributes every resource has (RFC 7643 §3.1), for filters and projections. */
export const metaAttribute = attr('meta', 'complex', {
  mutability: 'readOnly',
  subAttributes: [
    str('resourceType', { caseExact: true }),
    attr('created', 'dateTime'),
    attr('lastModified', 'dateTime'),
    attr('location', 'reference'),
    str('version', { caseExact: true }),
  ],
});

export const schemasAttribute = attr('schemas', 'reference', { multiValued: true, caseExact: true });
