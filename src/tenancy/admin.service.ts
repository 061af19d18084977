import type { EntityManager } from '@mikro-orm/postgresql';

import { findOneOrThrow } from '../db/find.js';
import { ConflictError, InvalidInputError, UnauthenticatedError } from '../lib/errors.js';
import { normalizeName } from '../lib/names.js';
import { digestsEqual, hashSecret, issueSecret } from '../lib/secrets.js';
import { Admin, AdminInvitation, AdminSession, AdminSessionEndReason } from './admin.entity.js';
import { ApiKey } from './api-key.entity.js';
import { findOrganizationOrFail } from './organization.service.js';
import type { AdminViewer, Scope } from './types.js';

/** Invitation tokens: never a bearer credential, so they cannot be mistaken for a session token. */
export const INVITATION_TOKEN_PREFIX = 'dsi_';
/** Admin session tokens: `Authorization: Bearer dsa_…`. */
export const SESSION_TOKEN_PREFIX = 'dsa_';

const MAX_EMAIL_LENGTH = 254;
// One @, no white space, a dotted domain: the address is only compared and mailed to, never parsed further.
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

/** Emails are compared case-insensitively, so they are stored lower-case. */
export function normalizeEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > MAX_EMAIL_LENGTH || !EMAIL.test(normalized))
    throw new InvalidInputError(`${JSON.stringify(email)} is not an email address`, 'email');
  return normalized;
}

/** Serializes invitations and acceptances of one email in one organization (one pending invitation at a time). */
async function lockEmail(em: EntityManager, organizationId: string, email: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(hashtext(?))', [`dsync.admin:${organizationId}:${email}`]);
}

export interface InvitationWithToken {
  readonly invitation: AdminInvitation;
  /** Plaintext, returned once (and emailed); only its hash is stored. */
  readonly token: string;
}

/**
 * Invites `email` to administer an organization of the environment. A pending invitation of the same email
 * in the same organization is cancelled: the newest link is the only one that works.
 */
export async function inviteAdmin(
  em: EntityManager,
  environmentId: string,
  input: { organizationId: string; email: string; invitedBy: string; now: Date; ttlMs: number },
): Promise<InvitationWithToken> {
  const email = normalizeEmail(input.email);
  return em.transactional(async (tx) => {
    const organization = await findOrganizationOrFail(tx, { environmentId }, input.organizationId);
    await lockEmail(tx, organization.id, email);
    await tx.nativeUpdate(
      AdminInvitation,
      { organization, email, acceptedAt: null, cancelledAt: null },
      { cancelledAt: input.now },
    );
    const token = issueSecret(INVITATION_TOKEN_PREFIX);
    const invitation = tx.create(AdminInvitation, {
      organization,
      email,
      tokenHash: token.hash,
      expiresAt: new Date(input.now.getTime() + input.ttlMs),
      invitedBy: tx.getReference(ApiKey, input.invitedBy),
      createdAt: input.now,
    });
    await tx.flush();
    return { invitation, token: token.plaintext };
  });
}

/** Cancels a pending invitation of the environment (idempotent); an accepted one is a CONFLICT. */
export async function cancelInvitation(
  em: EntityManager,
  environmentId: string,
  id: string,
  now: Date,
): Promise<AdminInvitation> {
  const invitation = await findOneOrThrow(
    em,
    AdminInvitation,
    { id, organization: { environment: environmentId } },
    'AdminInvitation',
    id,
  );
  if (invitation.acceptedAt) throw new ConflictError('the invitation was accepted already; revoke the admin instead');
  invitation.cancelledAt ??= now;
  await em.flush();
  return invitation;
}

/** The organization's admins, revoked ones included, oldest first. */
export function listAdmins(em: EntityManager, organizationId: string): Promise<Admin[]> {
  return em.find(Admin, { organization: organizationId }, { orderBy: { id: 'asc' } });
}

/** Invitations that can still be accepted, oldest first. */
export function listPendingInvitations(
  em: EntityManager,
  organizationId: string,
  now: Date,
): Promise<AdminInvitation[]> {
  return em.find(
    AdminInvitation,
    { organization: organizationId, acceptedAt: null, cancelledAt: null, expiresAt: { $gt: now } },
    { orderBy: { id: 'asc' } },
  );
}

export interface RevokedAdmin {
  readonly admin: Admin;
  /** The sessions this revocation ended (their sockets are to be closed). */
  readonly endedSessionIds: readonly string[];
}

/** Revokes an admin of the environment and ends all of its sessions at once. Idempotent. */
export async function revokeAdmin(
  em: EntityManager,
  environmentId: string,
  id: string,
  now: Date,
): Promise<RevokedAdmin> {
  return em.transactional(async (tx) => {
    const admin = await findOneOrThrow(tx, Admin, { id, environment: environmentId }, 'Admin', id);
    admin.revokedAt ??= now;
    const open = await tx.find(AdminSession, { admin, endedAt: null });
    for (const session of open) {
      session.endedAt = now;
      session.endReason = AdminSessionEndReason.REVOKED;
    }
    await tx.flush();
    return { admin, endedSessionIds: open.map((session) => session.id) };
  });
}

export interface StartedSession {
  readonly admin: Admin;
  readonly session: AdminSession;
  /** Plaintext `dsa_…`, returned once. */
  readonly token: string;
}

/** Why an invitation token is refused; the message says which. */
function refuseInvitation(invitation: AdminInvitation | null, now: Date): string | undefined {
  if (!invitation) return 'invitation not found: the token is not valid';
  if (invitation.cancelledAt) return 'invitation cancelled';
  if (invitation.acceptedAt) return 'invitation already used';
  if (invitation.expiresAt.getTime() <= now.getTime()) return 'invitation expired';
  return undefined;
}

/**
 * Accepts an invitation (once) and signs its admin in: the email's active admin in the organization, or a
 * new one. Refused invitations are UnauthenticatedError saying why (expired, used, cancelled).
 */
export async function acceptInvitation(
  em: EntityManager,
  input: { token: string; name?: string | null | undefined; now: Date; sessionTtlMs: number },
): Promise<StartedSession> {
  const name = input.name === undefined || input.name === null ? undefined : normalizeName(input.name);
  const hash = hashSecret(input.token);
  return em.transactional(async (tx) => {
    const found = input.token.startsWith(INVITATION_TOKEN_PREFIX)
      ? await tx.findOne(AdminInvitation, { tokenHash: hash }, { populate: ['organization'] })
      : null;
    const invitation = found && digestsEqual(found.tokenHash, hash) ? found : null;
    const refused = refuseInvitation(invitation, input.now);
    if (refused || !invitation) throw new UnauthenticatedError(refused ?? 'invitation not found');
    await lockEmail(tx, invitation.organization.id, invitation.email);
    // Re-read under the lock: a concurrent acceptance of the same token has committed by now.
    await tx.findOne(AdminInvitation, invitation.id, { refresh: true });
    const refusedNow = refuseInvitation(invitation, input.now);
    if (refusedNow) throw new UnauthenticatedError(refusedNow);
    invitation.acceptedAt = input.now;
    const organization = invitation.organization;
    const admin =
      (await tx.findOne(Admin, { organization, email: invitation.email, revokedAt: null })) ??
      tx.create(Admin, {
        environment: organization.environment,
        organization,
        email: invitation.email,
        createdAt: input.now,
      });
    if (name !== undefined) admin.name = name;
    const token = issueSecret(SESSION_TOKEN_PREFIX);
    const session = tx.create(AdminSession, {
      admin,
      tokenHash: token.hash,
      createdAt: input.now,
      expiresAt: new Date(input.now.getTime() + input.sessionTtlMs),
    });
    await tx.flush();
    return { admin, session, token: token.plaintext };
  });
}

/** Why a session is refused; the message says which. */
function refuseSession(session: AdminSession | null, now: Date): string | undefined {
  if (!session) return 'admin session not found: sign in again with a new invitation';
  if (session.endReason === AdminSessionEndReason.SIGNED_OUT) return 'admin session signed out';
  if (session.endReason === AdminSessionEndReason.REVOKED || session.admin.revokedAt) return 'admin revoked';
  if (session.expiresAt.getTime() <= now.getTime()) return 'admin session expired';
  return undefined;
}

/** Resolves a presented `dsa_…` token to its admin viewer; UnauthenticatedError saying why otherwise. */
export async function authenticateAdminSession(em: EntityManager, presented: string, now: Date): Promise<AdminViewer> {
  const hash = hashSecret(presented);
  const found = await em.findOne(
    AdminSession,
    { tokenHash: hash },
    { populate: ['admin', 'admin.environment'], refresh: true },
  );
  const session = found && digestsEqual(found.tokenHash, hash) ? found : null;
  const refused = refuseSession(session, now);
  if (refused || !session) throw new UnauthenticatedError(refused ?? 'admin session not found');
  return {
    kind: 'admin',
    environmentId: session.admin.environment.id,
    environmentName: session.admin.environment.name,
    organizationId: session.admin.organization.id,
    adminId: session.admin.id,
    adminEmail: session.admin.email,
    sessionId: session.id,
    sessionExpiresAt: session.expiresAt,
  };
}

/** Ends a session (idempotent for one already ended). */
export async function signOut(em: EntityManager, sessionId: string, now: Date): Promise<void> {
  await em.nativeUpdate(
    AdminSession,
    { id: sessionId, endedAt: null },
    { endedAt: now, endReason: AdminSessionEndReason.SIGNED_OUT },
  );
}

/** The admin of the scope (own organization for an admin); NOT_FOUND otherwise. */
export function findAdminOrFail(em: EntityManager, scope: Scope, id: string): Promise<Admin> {
  return findOneOrThrow(
    em,
    Admin,
    { id, environment: scope.environmentId, ...(scope.organizationId ? { organization: scope.organizationId } : {}) },
    'Admin',
    id,
  );
}
