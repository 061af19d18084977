// Which layer may import which ("A → B means A may import B"; README, Architecture), checked on every `npm test`.
const ADAPTER_PACKAGES = '(koa|@koa/|@apollo/|@as-integrations/|type-graphql|graphql|graphql-ws|ws)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-is-a-leaf',
      comment: 'src/lib holds tiny pure helpers and imports nothing else under src/.',
      severity: 'error',
      from: { path: '^src/lib/' },
      to: { path: '^src/', pathNot: '^src/lib/' },
    },
    {
      name: 'db-knows-no-domain',
      comment: 'src/db holds the connection, migrations config and paging; only the entity list names entities.',
      severity: 'error',
      from: { path: '^src/db/', pathNot: '^src/db/entities\\.ts$' },
      to: { path: '^src/(tenancy|provisioning|scim|graphql|http|events|webhooks|audit)/' },
    },
    {
      name: 'events-are-below-the-domain',
      comment: 'events/ (the event model, outbox, sequencer, reader) knows no tenancy, provisioning or transport.',
      severity: 'error',
      from: { path: '^src/events/' },
      to: {
        path: [`node_modules/${ADAPTER_PACKAGES}`, '^src/(tenancy|provisioning|scim|graphql|http|webhooks)/'],
      },
    },
    {
      name: 'audit-knows-no-transport',
      comment:
        'audit/ (actor, audit_log table, recorder) is written by graphql/; it knows no adapter or domain service.',
      severity: 'error',
      from: { path: '^src/audit/' },
      to: {
        path: [`node_modules/${ADAPTER_PACKAGES}`, '^src/(provisioning|scim|graphql|http|webhooks|events)/'],
      },
    },
    {
      name: 'tenancy-is-below-provisioning',
      comment: 'tenancy/ (environments, keys, organizations, directories) knows no provisioning and no transport.',
      severity: 'error',
      from: { path: '^src/tenancy/' },
      to: { path: [`node_modules/${ADAPTER_PACKAGES}`, '^src/(provisioning|scim|graphql|http|webhooks)/'] },
    },
    {
      name: 'provisioning-is-transport-free',
      comment: 'provisioning/ (users, groups, memberships) must not know HTTP, GraphQL, WebSockets or webhooks.',
      severity: 'error',
      from: { path: '^src/provisioning/' },
      to: { path: [`node_modules/${ADAPTER_PACKAGES}`, '^src/(scim|graphql|http|webhooks)/'] },
    },
    {
      name: 'webhooks-stay-out-of-adapters',
      severity: 'error',
      comment: 'webhooks/ sits beside provisioning: it may use tenancy/ (organizations), not provisioning or adapters.',
      from: { path: '^src/webhooks/' },
      to: { path: [`node_modules/${ADAPTER_PACKAGES}`, '^src/(provisioning|scim|graphql|http)/'] },
    },
    {
      name: 'scim-is-not-graphql',
      severity: 'error',
      from: { path: '^src/scim/' },
      to: { path: ['^src/(graphql|webhooks)/', 'node_modules/(@apollo/|type-graphql|graphql|graphql-ws)'] },
    },
    {
      name: 'graphql-is-not-scim',
      comment:
        'The admin API manages webhooks (docs/design.md), so graphql/ uses webhooks/ services, but never the worker.',
      severity: 'error',
      from: { path: '^src/graphql/' },
      to: { path: ['^src/scim/', '^src/webhooks/worker\\.ts$'] },
    },
    {
      name: 'portal-serves-the-page-only',
      comment:
        'portal/ (the admin page, its session endpoints and cookie) accepts invitations through tenancy/ and audits; the page itself talks GraphQL.',
      severity: 'error',
      from: { path: '^src/portal/' },
      to: { path: '^src/(provisioning|scim|graphql|webhooks|events)/' },
    },
    {
      name: 'http-knows-only-errors',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/(tenancy|provisioning|scim|graphql|webhooks|events|audit)/' },
    },
    {
      name: 'nobody-imports-main',
      severity: 'error',
      from: {},
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'only-tests-import-app',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'no-circular',
      comment: 'Entities may reference each other: MikroORM relations are lazy (`entity: () => X`).',
      severity: 'error',
      from: { pathNot: '\\.entity\\.ts$' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
