import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('has working defaults for a newcomer', () => {
    expect(loadConfig({}, '/srv/dsync')).toEqual({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dataDir: path.resolve('/srv/dsync', '.data'),
      embeddedPostgresPort: 54329,
      databaseStatementTimeoutMs: 30_000,
      databasePoolSize: 10,
      logLevel: 'info',
      publicUrl: 'http://localhost:8080',
      trustProxy: false,
      nodeEnv: 'development',
      graphqlIntrospection: true,
      graphqlMaxDepth: 12,
      graphqlMaxComplexity: 50_000,
      wsMaxPayloadBytes: 65_536,
      wsMaxSubscriptionsPerSocket: 20,
      shutdownTimeoutMs: 10000,
      eventRetentionDays: 30,
      auditRetentionDays: 365,
      eventsPollIntervalMs: 1_000,
      subscriptionBufferLimit: 1000,
      corsOrigins: [],
      scimRateLimit: 100,
      scimRateBurst: 200,
      scimRequestLog: { size: 1000, retentionDays: 30 },
      metrics: { enabled: true, port: undefined },
      encryptionKey: undefined,
      previousEncryptionKeys: [],
      admins: {
        invitationTtlMs: 7 * 86_400_000,
        invitationUrl: 'http://localhost:8080/portal/#invitation={token}',
        sessionTtlMs: 12 * 3_600_000,
      },
      portal: { enabled: true, title: 'dsync', logoUrl: undefined, accentColor: '#1f4fd1' },
      smtp: undefined,
      webhooks: {
        workers: 10,
        retryDelaysMs: [
          5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
        ],
        timeoutMs: 10_000,
        allowPrivateNetworks: true,
        allowHttp: true,
        staleLockMs: 60_000,
        pollIntervalMs: 1_000,
      },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/dsync',
      DATA_DIR: '/var/lib/dsync',
      LOG_LEVEL: 'debug',
      PUBLIC_URL: 'https://sync.example.com/',
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'true',
      WS_MAX_PAYLOAD_BYTES: '131072',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '5',
    });
    expect(config).toMatchObject({
      port: 9000,
      databaseUrl: 'postgres://u:p@db:5432/dsync',
      dataDir: '/var/lib/dsync',
      logLevel: 'debug',
      publicUrl: 'https://sync.example.com',
      nodeEnv: 'production',
      graphqlIntrospection: true,
      wsMaxPayloadBytes: 131_072,
      wsMaxSubscriptionsPerSocket: 5,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads webhook settings: retry schedule, encryption keys, and a production SSRF guard', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      ENCRYPTION_KEY: 'ab'.repeat(32),
      ENCRYPTION_KEY_PREVIOUS: Buffer.alloc(32, 1).toString('base64'),
      WEBHOOK_RETRY_DELAYS: '250ms,5s,2m,1h,1d',
    });
    expect(config.encryptionKey).toEqual(Buffer.from('ab'.repeat(32), 'hex'));
    expect(config.previousEncryptionKeys).toEqual([Buffer.alloc(32, 1)]);
    expect(config.webhooks).toMatchObject({
      retryDelaysMs: [250, 5_000, 120_000, 3_600_000, 86_400_000],
      allowPrivateNetworks: false,
      allowHttp: false,
    });
  });

  it('reads database guards: statement timeout (0 = none) and pool size', () => {
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '5000', DATABASE_POOL_SIZE: '25' })).toMatchObject({
      databaseStatementTimeoutMs: 5_000,
      databasePoolSize: 25,
    });
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0' }).databaseStatementTimeoutMs).toBe(0);
  });

  it('reads the SCIM rate limit: burst two seconds of the rate unless set, 0 = off', () => {
    expect(loadConfig({ SCIM_RATE_LIMIT: '10' })).toMatchObject({ scimRateLimit: 10, scimRateBurst: 20 });
    expect(loadConfig({ SCIM_RATE_LIMIT: '0.5', SCIM_RATE_BURST: '3' })).toMatchObject({
      scimRateLimit: 0.5,
      scimRateBurst: 3,
    });
    expect(loadConfig({ SCIM_RATE_LIMIT: '0' }).scimRateLimit).toBe(0);
  });

  it('reads CORS_ORIGINS as a list of origins', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '' }).corsOrigins).toEqual([]);
  });

  it('turns introspection off in production by default', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).graphqlIntrospection).toBe(false);
  });

  it('treats empty strings as unset and resolves DATA_DIR against the working directory', () => {
    const config = loadConfig({ PORT: '', LOG_LEVEL: '', DATA_DIR: 'var/dsync' }, '/srv');
    expect(config).toMatchObject({ port: 8080, logLevel: 'info', dataDir: path.resolve('/srv', 'var/dsync') });
  });

  it('derives the public URL from PORT when PUBLIC_URL is not set', () => {
    expect(loadConfig({ PORT: '9090' }).publicUrl).toBe('http://localhost:9090');
  });

  it.each([
    ['1', true],
    ['0', false],
    ['false', false],
  ])('reads the boolean %j as %s', (value, expected) => {
    expect(loadConfig({ NODE_ENV: 'production', WEBHOOK_ALLOW_HTTP: value }).webhooks.allowHttp).toBe(expected);
  });

  it('reads several previous encryption keys', () => {
    const keys = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    expect(
      loadConfig({ ENCRYPTION_KEY_PREVIOUS: keys.map((key) => key.toString('base64')).join(',') })
        .previousEncryptionKeys,
    ).toEqual(keys);
  });

  it('reads admin invitation and session settings, and SMTP with its sender', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://dsync.example.com/',
      ADMIN_INVITATION_TTL: '2d',
      ADMIN_SESSION_TTL: '30m',
      SMTP_URL: 'smtp://user:secret@mail.example.com:587',
      SMTP_FROM: 'dsync <no-reply@example.com>',
    });
    expect(config.admins).toEqual({
      invitationTtlMs: 2 * 86_400_000,
      invitationUrl: 'https://dsync.example.com/portal/#invitation={token}',
      sessionTtlMs: 1_800_000,
    });
    expect(config.smtp).toEqual({
      url: 'smtp://user:secret@mail.example.com:587',
      from: 'dsync <no-reply@example.com>',
    });
    const custom = 'https://app.example.com/admin/accept?x=1#t={token}';
    expect(loadConfig({ ADMIN_INVITATION_URL: custom }).admins.invitationUrl).toBe(custom);
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.com' })).toThrow(
      /^Invalid configuration: SMTP_FROM is required with SMTP_URL/,
    );
  });

  it('reads the portal settings: switch, title, logo and accent colour (short hex widened, lower-case)', () => {
    const config = loadConfig({
      PORTAL_ENABLED: 'false',
      PORTAL_TITLE: '  Acme HR  ',
      PORTAL_LOGO_URL: 'https://cdn.acme.example/logo.svg',
      PORTAL_ACCENT_COLOR: '#F0a',
    });
    expect(config.portal).toEqual({
      enabled: false,
      title: 'Acme HR',
      logoUrl: 'https://cdn.acme.example/logo.svg',
      accentColor: '#ff00aa',
    });
    expect(loadConfig({ PORTAL_ACCENT_COLOR: '#0A0B0C' }).portal.accentColor).toBe('#0a0b0c');
  });

  it('refuses a stale-lock threshold below three webhook timeouts', () => {
    expect(() => loadConfig({ WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_STALE_LOCK_MS: '29999' })).toThrow(
      new ConfigError('Invalid configuration: WEBHOOK_STALE_LOCK_MS must be at least 3 × WEBHOOK_TIMEOUT_MS'),
    );
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_STALE_LOCK_MS: '30000' }).webhooks.staleLockMs).toBe(
      30_000,
    );
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['LOG_LEVEL', 'loud'],
    ['PUBLIC_URL', 'ftp://example.com'],
    ['NODE_ENV', 'staging'],
    ['GRAPHQL_INTROSPECTION', 'yes'],
    ['ENCRYPTION_KEY', 'too-short'],
    ['WEBHOOK_RETRY_DELAYS', '5s,soon'],
    ['WEBHOOK_WORKERS', '-1'],
    ['EVENT_RETENTION_DAYS', '0'],
    ['AUDIT_RETENTION_DAYS', '0'],
    ['AUDIT_RETENTION_DAYS', 'forever'],
    ['DATABASE_STATEMENT_TIMEOUT_MS', '-1'],
    ['DATABASE_POOL_SIZE', '0'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'https://APP.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com:443'],
    ['CORS_ORIGINS', 'ftp://app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com,null'],
    ['ENCRYPTION_KEY_PREVIOUS', 'ok,not-a-key'],
    ['GRAPHQL_MAX_DEPTH', '1'],
    ['SUBSCRIPTION_BUFFER_LIMIT', '0'],
    ['WEBHOOK_POLL_INTERVAL_MS', '10'],
    ['WEBHOOK_TIMEOUT_MS', '1.5'],
    ['LOG_FORMAT', 'yaml'],
    ['SCIM_RATE_LIMIT', '-1'],
    ['SCIM_RATE_LIMIT', 'fast'],
    ['SCIM_RATE_BURST', '0'],
    ['SCIM_RATE_BURST', '1.5'],
    ['SCIM_REQUEST_LOG_SIZE', '-1'],
    ['SCIM_REQUEST_LOG_SIZE', '2.5'],
    ['SCIM_REQUEST_LOG_DAYS', '0'],
    ['ADMIN_INVITATION_TTL', 'a week'],
    ['ADMIN_INVITATION_TTL', '10ms'],
    ['ADMIN_SESSION_TTL', '12'],
    ['ADMIN_INVITATION_URL', 'https://app.example.com/accept'],
    ['ADMIN_INVITATION_URL', 'javascript:alert({token})'],
    ['SMTP_URL', 'mail.example.com:25'],
    ['SMTP_URL', 'http://mail.example.com'],
    ['PORTAL_ENABLED', 'yes'],
    ['PORTAL_TITLE', 'x'.repeat(101)],
    ['PORTAL_LOGO_URL', 'javascript:alert(1)'],
    ['PORTAL_LOGO_URL', 'logo.png'],
    ['PORTAL_ACCENT_COLOR', 'blue'],
    ['PORTAL_ACCENT_COLOR', '#12345'],
    ['PORTAL_ACCENT_COLOR', '#1234567'],
    ['PORTAL_ACCENT_COLOR', 'red;} body{display:none'],
  ])('fails with one line naming %s when it is %j', (variable, value) => {
    const load = () => loadConfig({ [variable]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
    try {
      load();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
