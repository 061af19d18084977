import { DirectoryProvider } from './directory.entity.js';

/** A value to copy into the identity provider, or an attribute mapping (`label` = SCIM attribute). */
export interface SetupValue {
  readonly label: string;
  readonly value: string;
}

/** One step of a guide; `body` is Markdown and names the IdP's menus and fields as its console shows them. */
export interface SetupStep {
  readonly title: string;
  readonly body: string;
  readonly values: readonly SetupValue[];
}

export interface SetupGuide {
  readonly provider: DirectoryProvider;
  readonly title: string;
  readonly steps: readonly SetupStep[];
}

/** What a guide is filled with when it is for one directory. The bearer token is deliberately not here. */
export interface GuideDirectory {
  readonly name: string;
  readonly scimBaseUrl: string;
}

/** Stands in for the SCIM base URL in a guide that is not for one directory. */
export const SCIM_BASE_URL_PLACEHOLDER = '<your SCIM base URL>';

/**
 * Where the bearer token comes from. dsync stores only its hash, so no guide can repeat it: the admin uses the
 * copy shown at creation or rotation, or rotates the token to get a new one.
 */
const TOKEN_SOURCE =
  'the secret bearer token (it starts with `dst_`) shown once when the directory was created or its token was ' +
  'last rotated. It is never shown again; if nobody kept it, rotate the directory token to get a new one ' +
  '(the old one stops working at once).';

/** The SCIM attributes dsync reads from a user, with the IdP attribute each is usually mapped from. */
const USER_ATTRIBUTES_NOTE =
  'dsync reads `userName` (required, unique within the directory ignoring case: use a value that never changes ' +
  'hands, such as the sign-in name or work email), `externalId`, `emails` (the primary one, else the work one), ' +
  '`name.givenName`, `name.familyName`, `displayName` and `active`. For groups it reads `displayName` ' +
  '(unique within the directory), `externalId` and `members`. Other attributes are kept as sent, except a ' +
  'password, which is never stored.';

interface Template {
  readonly name: string;
  steps(baseUrl: string): SetupStep[];
}

function step(title: string, body: string, values: SetupValue[] = []): SetupStep {
  return { title, body, values };
}

const TEMPLATES: Record<DirectoryProvider, Template> = {
  [DirectoryProvider.ENTRA_ID]: {
    name: 'Microsoft Entra ID',
    steps: (baseUrl) => [
      step(
        'Create an enterprise application',
        'In the Microsoft Entra admin center, go to **Enterprise applications** and select **New application**, ' +
          'then **Create your own application**. Give it a name, choose **Integrate any other application you ' +
          "don't find in the gallery (Non-gallery)**, and select **Create**.",
      ),
      step(
        'Enter the admin credentials',
        'In the new application, open **Provisioning** and set **Provisioning Mode** to **Automatic**. Under ' +
          '**Admin Credentials**, paste the SCIM base URL below into **Tenant URL**. Into **Secret Token**, paste ' +
          `${TOKEN_SOURCE} Select **Test Connection**, then **Save**.`,
        [{ label: 'Tenant URL', value: baseUrl }],
      ),
      step(
        'Check the attribute mappings',
        'Under **Mappings**, open the mapping that provisions users (**Provision Microsoft Entra ID Users** or ' +
          `similar) and keep the attributes listed below. ${USER_ATTRIBUTES_NOTE} To send groups, keep the group ` +
          'mapping enabled (`displayName` from displayName, `members` from members).',
        [
          { label: 'userName', value: 'userPrincipalName' },
          { label: 'emails[type eq "work"].value', value: 'mail' },
          { label: 'name.givenName', value: 'givenName' },
          { label: 'name.familyName', value: 'surname' },
          { label: 'displayName', value: 'displayName' },
          { label: 'externalId', value: 'mailNickname' },
          { label: 'active', value: 'the default expression based on IsSoftDeleted' },
        ],
      ),
      step(
        'Assign users and start provisioning',
        'Under **Users and groups**, select **Add user/group** and assign who should be provisioned. Back in ' +
          '**Provisioning**, under **Settings**, set **Scope** to **Sync only assigned users and groups**, set ' +
          '**Provisioning Status** to **On** and select **Save**. Entra ID provisions in cycles, so the first ' +
          'users can take a while to arrive; **Provision on demand** sends one user right away.',
      ),
    ],
  },

  [DirectoryProvider.OKTA]: {
    name: 'Okta',
    steps: (baseUrl) => [
      step(
        'Create an app integration',
        'In the Okta Admin Console, go to **Applications → Applications** and select **Create App Integration**. ' +
          'Choose **SAML 2.0** (or **SWA**) and finish the wizard. If users already sign in to the application ' +
          'through Okta, use that app integration instead.',
      ),
      step(
        'Turn on SCIM provisioning',
        "On the app's **General** tab, select **Edit** under **App Settings**, set **Provisioning** to **SCIM** " +
          'and select **Save**. A **Provisioning** tab appears.',
      ),
      step(
        'Connect to the SCIM endpoint',
        'On **Provisioning → Integration**, select **Edit** and fill in the fields below. Paste the SCIM base URL ' +
          'into **SCIM connector base URL** and set **Unique identifier field for users** to `userName`. Under ' +
          '**Supported provisioning actions**, select **Import New Users and Profile Updates**, **Push New Users**, ' +
          '**Push Profile Updates** and **Push Groups**. Set **Authentication Mode** to **HTTP Header** and ' +
          `paste, as the bearer token in **Authorization**, ${TOKEN_SOURCE} Select **Test Connector ` +
          'Configuration**, then **Save**.',
        [
          { label: 'SCIM connector base URL', value: baseUrl },
          { label: 'Unique identifier field for users', value: 'userName' },
          { label: 'Authentication Mode', value: 'HTTP Header' },
        ],
      ),
      step(
        'Choose what Okta sends',
        'On **Provisioning → To App**, select **Edit**, enable **Create Users**, **Update User Attributes** and ' +
          '**Deactivate Users**, and select **Save**. Okta sends the app username as `userName`: set its format ' +
          `on the **Sign On** tab (for example **Email**). ${USER_ATTRIBUTES_NOTE}`,
        [
          { label: 'userName', value: 'Application username (for example the Okta email)' },
          { label: 'emails (primary)', value: 'email' },
          { label: 'name.givenName', value: 'firstName' },
          { label: 'name.familyName', value: 'lastName' },
        ],
      ),
      step(
        'Assign users and push groups',
        'On the **Assignments** tab, select **Assign** to assign people or groups. To send groups and their ' +
          'members, open the **Push Groups** tab, select **Push Groups** and find the groups by name.',
      ),
    ],
  },

  [DirectoryProvider.ONELOGIN]: {
    name: 'OneLogin',
    steps: (baseUrl) => [
      step(
        'Add the SCIM app',
        'In the OneLogin admin portal, go to **Applications → Applications** and select **Add App**. Search for ' +
          'SCIM, choose **SCIM Provisioner with SAML (SCIM v2 Enterprise)**, name it and select **Save**.',
      ),
      step(
        'Enter the SCIM connection',
        "On the app's **Configuration** tab, paste the SCIM base URL into **SCIM Base URL**. Into **SCIM Bearer " +
          `Token**, paste ${TOKEN_SOURCE} Keep the default **SCIM JSON Template** unless \`userName\` must come ` +
          `from another field. Select **Save**, then select **Enable** next to **API Status**. ${USER_ATTRIBUTES_NOTE}`,
        [
          { label: 'SCIM Base URL', value: baseUrl },
          { label: 'userName', value: 'the OneLogin username or email (SCIM JSON Template)' },
        ],
      ),
      step(
        'Enable provisioning',
        'On the **Provisioning** tab, check **Enable provisioning**, choose what happens to a deleted or ' +
          'suspended user (dsync handles both a deactivation and a delete) and select **Save**. To send groups, ' +
          'open **Parameters**, select **Groups** and check **Include in User Provisioning**.',
      ),
      step(
        'Assign users',
        "Assign the app to users (a user's **Applications** tab) or through roles, and map roles to groups with " +
          "a rule on the app's **Rules** tab (**Set Groups in** the app). If the app's **Users** tab shows " +
          'provisioning as **Pending**, approve it.',
      ),
    ],
  },

  [DirectoryProvider.JUMPCLOUD]: {
    name: 'JumpCloud',
    steps: (baseUrl) => [
      step(
        'Open the SSO application',
        'In the JumpCloud Admin Portal, go to **SSO Applications** and open the application (or add a custom ' +
          'SAML application for it). SCIM provisioning is configured inside it.',
      ),
      step(
        'Configure SCIM 2.0',
        'On the **Identity Management** tab, choose **SCIM 2.0** as the API type. Paste the SCIM base URL into ' +
          `**Base URL**, and into **Token Key** paste ${TOKEN_SOURCE} If a **Test User Email** is asked for, ` +
          'enter the email of a user you will assign. Select **Test Connection**, then **Activate** and **Save**.',
        [{ label: 'Base URL', value: baseUrl }],
      ),
      step(
        'Assign user groups',
        "On the application's **User Groups** tab, select the groups whose members should be provisioned and " +
          `select **Save**. JumpCloud looks users up by \`userName\` and \`externalId\`. ${USER_ATTRIBUTES_NOTE}`,
        [
          { label: 'userName', value: 'the JumpCloud username or email' },
          { label: 'emails (primary)', value: 'email' },
        ],
      ),
    ],
  },

  [DirectoryProvider.PING]: {
    name: 'PingOne',
    steps: (baseUrl) => [
      step(
        'Create a provisioning connection',
        'In the PingOne admin console, go to **Integrations → Provisioning**, select **+** and then **New ' +
          'Connection**. Choose the **Identity Store** type, select the SCIM tile (**SCIM Outbound**), name the ' +
          'connection and select **Next**.',
      ),
      step(
        'Enter the SCIM endpoint and token',
        'Paste the SCIM base URL into **SCIM BASE URL**, keep **SCIM Version** at **2.0** and **Users Resource** ' +
          'at `/Users`. Set **Authentication Method** to **OAuth 2 Bearer Token** and paste into the access ' +
          `token field ${TOKEN_SOURCE} Select **Test Connection**, finish the wizard and turn the connection on.`,
        [
          { label: 'SCIM BASE URL', value: baseUrl },
          { label: 'Authentication Method', value: 'OAuth 2 Bearer Token' },
        ],
      ),
      step(
        'Create a provisioning rule',
        'In **Integrations → Provisioning**, select **+** and then **New Rule**, with PingOne as the source and ' +
          'the new connection as the target. Choose which users to provision, check the attribute mapping ' +
          `below, add the groups to send, and turn the rule on. ${USER_ATTRIBUTES_NOTE}`,
        [
          { label: 'userName', value: 'Username (or Email Address)' },
          { label: 'emails (primary)', value: 'Email Address' },
          { label: 'name.givenName', value: 'Given Name' },
          { label: 'name.familyName', value: 'Family Name' },
        ],
      ),
    ],
  },

  [DirectoryProvider.GENERIC_SCIM]: {
    name: 'your SCIM 2.0 client',
    steps: (baseUrl) => [
      step(
        'Point the client at the SCIM base URL',
        'Configure the SCIM base URL below in the client. Users live under `/Users` and groups under `/Groups` ' +
          'below it.',
        [{ label: 'SCIM base URL', value: baseUrl }],
      ),
      step(
        'Authenticate with the bearer token',
        `Send every request with the header \`Authorization: Bearer <token>\`, where the token is ${TOKEN_SOURCE}`,
      ),
      step(
        'Read what the server supports',
        'The supported features (filtering, PATCH, sorting, bulk and the rest) are listed at ' +
          '`/ServiceProviderConfig`, the schemas at `/Schemas` and `/ResourceTypes`. Look users up with ' +
          `\`filter=userName eq "…"\` and deactivate them with \`active: false\`. ${USER_ATTRIBUTES_NOTE}`,
        [{ label: 'Service provider configuration', value: `${baseUrl}/ServiceProviderConfig` }],
      ),
    ],
  },
};

/**
 * The setup guide for an identity provider: filled with a directory's SCIM base URL when one is given, with
 * {@link SCIM_BASE_URL_PLACEHOLDER} otherwise. The bearer token is never part of a guide.
 */
export function setupGuide(provider: DirectoryProvider, directory?: GuideDirectory): SetupGuide {
  const template = TEMPLATES[provider] as Template | undefined;
  if (!template) throw new Error(`no setup guide for provider ${String(provider)}`);
  const title = `Set up SCIM provisioning in ${template.name}`;
  return {
    provider,
    title: directory ? `${title} for the directory "${directory.name}"` : title,
    steps: template.steps(directory?.scimBaseUrl ?? SCIM_BASE_URL_PLACEHOLDER),
  };
}
