import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SMTPServer } from 'smtp-server';

import { acceptInvitation, inviteAdminAs, tokenOfUrl } from '../fixtures/admins.js';
import { createOrganizationAs } from '../fixtures/graphql.js';
import { waitUntil } from '../fixtures/wait.js';
import { startTestApp, type TestApp } from '../setup/app.js';
import { createTestDatabase, type TestDatabase } from '../setup/db.js';
import { freePort } from '../setup/process.js';

// Invitation emails through a real SMTP server (smtp-server on 127.0.0.1) and nodemailer in the app.

interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

let database: TestDatabase;
let smtp: SMTPServer;
let t: TestApp;
/** An app whose SMTP server is not there: sending fails. */
let unreachable: TestApp & { rawLogs: string[] };
let organizationId: string;
const received: ReceivedMail[] = [];

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  database = await createTestDatabase();
  t = await startTestApp(
    { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SMTP_FROM: 'dsync <no-reply@dsync.test>' },
    database,
  );
  unreachable = await startTestApp(
    { SMTP_URL: `smtp://127.0.0.1:${await freePort()}`, SMTP_FROM: 'no-reply@dsync.test' },
    database,
  );
  organizationId = (await createOrganizationAs(t.url, t.sandboxKey, { name: 'Acme & Co' })).id;
});
afterAll(async () => {
  await unreachable.close();
  await t.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
  await database.drop();
});

/** The decoded text of each part of a MIME message, by content type (quoted-printable, base64 or plain). */
function mimeParts(raw: string): Map<string, string> {
  const boundary = /boundary="?([^";\r\n]+)"?/.exec(raw)?.[1];
  if (!boundary) throw new Error(`not a multipart message: ${raw.slice(0, 500)}`);
  const parts = new Map<string, string>();
  for (const part of raw.split(`--${boundary}`).slice(1, -1)) {
    const split = part.indexOf('\r\n\r\n');
    const headers = part.slice(0, split);
    const body = part.slice(split + 4);
    const type = /content-type:\s*([^;\r\n]+)/i.exec(headers)?.[1]?.trim() ?? 'text/plain';
    const encoding = /content-transfer-encoding:\s*(\S+)/i.exec(headers)?.[1]?.toLowerCase();
    let decoded = body;
    if (encoding === 'base64') decoded = Buffer.from(body, 'base64').toString('utf8');
    if (encoding === 'quoted-printable') {
      const unfolded = body.replace(/=\r?\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < unfolded.length; i++) {
        const hex = unfolded[i] === '=' ? unfolded.slice(i + 1, i + 3) : '';
        if (/^[0-9A-F]{2}$/i.test(hex)) {
          bytes.push(Number.parseInt(hex, 16));
          i += 2;
        } else bytes.push(unfolded.charCodeAt(i));
      }
      decoded = Buffer.from(bytes).toString('utf8');
    }
    parts.set(type, decoded);
  }
  return parts;
}

function occurrences(text: string, search: string): number {
  return text.split(search).length - 1;
}

describe('invitation emails', () => {
  it('sends the invitation once, to the invited address, with the link (token in the fragment) in text and HTML', async () => {
    const invitation = await inviteAdminAs(t.url, t.sandboxKey, organizationId, 'Grace@Customer.Example');
    const [mail] = await waitUntil(() => received.length >= 1 && received, { what: 'the invitation email' });
    expect(received).toHaveLength(1);
    expect(mail).toMatchObject({ from: 'no-reply@dsync.test', to: ['grace@customer.example'] });
    expect(mail?.raw).toMatch(/^Subject: .*Acme & Co/m);

    const parts = mimeParts(mail?.raw ?? '');
    const text = parts.get('text/plain') ?? '';
    const html = parts.get('text/html') ?? '';
    expect(occurrences(text, invitation.url)).toBe(1);
    expect(occurrences(html, `href="${invitation.url}"`)).toBe(1);
    expect(occurrences(html, invitation.token)).toBe(1);
    expect(html).toContain('Acme &#38; Co');
    // The token travels only in the fragment, which browsers never send to a server.
    const link = /https:\/\/\S+/.exec(text)?.[0] ?? '';
    expect(link.split('#')[0]).not.toContain(invitation.token);
    expect(tokenOfUrl(link)).toBe(invitation.token);

    const accepted = await acceptInvitation(t.url, tokenOfUrl(link));
    expect(accepted.data?.['acceptAdminInvitation'].admin.email).toBe('grace@customer.example');
  });

  it('keeps the invitation when sending fails, and logs a warning without the token', async () => {
    const invitation = await inviteAdminAs(unreachable.url, t.sandboxKey, organizationId);
    const warning = unreachable.logs.find(
      (line) =>
        line['msg'] === 'admin invitation email not sent; the invitation stands (its url was returned to the caller)',
    );
    expect(warning).toMatchObject({ level: 40, invitationId: invitation.id, error: expect.any(String) });
    expect(unreachable.rawLogs.filter((line) => line.includes(invitation.token))).toEqual([]);
    expect((await acceptInvitation(unreachable.url, invitation.token)).errors).toBeUndefined();
  });
});
