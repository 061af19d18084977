import type { Mail } from '../lib/mailer.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The invitation email: plain text and HTML, each with the link once. */
export function invitationEmail(input: {
  readonly to: string;
  readonly organizationName: string;
  readonly url: string;
  readonly expiresAt: Date;
}): Mail {
  const expires = input.expiresAt
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const subject = `You are invited to manage directory sync for ${input.organizationName}`;
  const text = [
    `You have been invited to manage the directory sync (SCIM) settings of ${input.organizationName}.`,
    '',
    `Accept the invitation: ${input.url}`,
    '',
    `The link works once and expires ${expires}. If you did not expect this email, ignore it.`,
    '',
  ].join('\n');
  const html = [
    `<p>You have been invited to manage the directory sync (SCIM) settings of ${escapeHtml(input.organizationName)}.</p>`,
    `<p><a href="${escapeHtml(input.url)}">Accept the invitation</a></p>`,
    `<p>The link works once and expires ${escapeHtml(expires)}. If you did not expect this email, ignore it.</p>`,
  ].join('\n');
  return { to: input.to, subject, text, html };
}
