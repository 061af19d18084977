import { Arg, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';

import { notifyAdminSessionsEnded } from '../../events/notify.js';
import { errorMessage } from '../../lib/error-message.js';
import { invitationEmail } from '../../tenancy/admin-email.js';
import {
  acceptInvitation,
  cancelInvitation,
  inviteAdmin,
  listAdmins,
  listPendingInvitations,
  revokeAdmin,
  signOut,
} from '../../tenancy/admin.service.js';
import type { GraphQLContext } from '../context.js';
import { OrganizationNode } from '../organizations/organization.type.js';
import { adminOf, forbidden, vendorOf } from '../policy.js';
import { AdminInvitationNode, AdminNode, AdminSessionNode, toAdminNode, toInvitationNode } from './admin.type.js';

@Resolver(() => OrganizationNode)
export class OrganizationAdminsResolver {
  @FieldResolver(() => [AdminNode], { description: 'Admins of the organization, revoked ones included.' })
  async admins(@Root() organization: OrganizationNode, @Ctx() ctx: GraphQLContext): Promise<AdminNode[]> {
    return (await listAdmins(ctx.em, organization.id)).map(toAdminNode);
  }

  @FieldResolver(() => [AdminInvitationNode], {
    description: 'Invitations that can still be accepted (never their tokens). API keys only.',
  })
  async invitations(
    @Root() organization: OrganizationNode,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminInvitationNode[]> {
    if (ctx.viewer.kind !== 'apiKey') throw forbidden('invitations need an API key');
    return (await listPendingInvitations(ctx.em, organization.id, ctx.now())).map((invitation) =>
      toInvitationNode(invitation),
    );
  }
}

@Resolver(() => AdminNode)
export class AdminResolver {
  @Mutation(() => AdminInvitationNode, {
    description:
      'Invites an email to administer the organization; the link (url) is returned once, and emailed when SMTP is ' +
      'configured. A pending invitation of the same email in the organization is cancelled.',
  })
  async inviteAdmin(
    @Arg('organizationId', () => ID) organizationId: string,
    @Arg('email', () => String) email: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminInvitationNode> {
    const vendor = vendorOf(ctx.viewer);
    const { invitation, token } = await inviteAdmin(ctx.em, vendor.environmentId, {
      organizationId,
      email,
      invitedBy: vendor.apiKeyId,
      now: ctx.now(),
      ttlMs: ctx.admins.invitationTtlMs,
    });
    const url = ctx.admins.invitationUrl(token);
    const mailer = ctx.admins.mailer;
    if (mailer) {
      const mail = invitationEmail({
        to: invitation.email,
        organizationName: invitation.organization.name,
        url,
        expiresAt: invitation.expiresAt,
      });
      // The invitation stands without the email: the caller has the link and can pass it on.
      await mailer.send(mail).catch((error: unknown) => {
        ctx.admins.logger.warn(
          { invitationId: invitation.id, error: errorMessage(error) },
          'admin invitation email not sent; the invitation stands (its url was returned to the caller)',
        );
      });
    }
    return toInvitationNode(invitation, url);
  }

  @Mutation(() => AdminInvitationNode, { description: 'Cancels a pending invitation: its link stops working.' })
  async cancelInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<AdminInvitationNode> {
    return toInvitationNode(await cancelInvitation(ctx.em, vendorOf(ctx.viewer).environmentId, id, ctx.now()));
  }

  @Mutation(() => AdminNode, {
    description: 'Revokes an admin: all of its sessions end at once and their open WebSockets are closed with 4401.',
  })
  async revokeAdmin(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<AdminNode> {
    const revoked = await revokeAdmin(ctx.em, vendorOf(ctx.viewer).environmentId, id, ctx.now());
    await notifyAdminSessionsEnded(ctx.em, revoked.endedSessionIds, 'revoked');
    return toAdminNode(revoked.admin);
  }

  @Mutation(() => AdminSessionNode, {
    description:
      'Accepts an invitation (no credentials needed) and signs its admin in; the session token is returned once. ' +
      'An expired, used or cancelled invitation is UNAUTHENTICATED, saying which.',
  })
  async acceptAdminInvitation(
    @Arg('token', () => String) token: string,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AdminSessionNode> {
    const started = await acceptInvitation(ctx.em, {
      token,
      name,
      now: ctx.now(),
      sessionTtlMs: ctx.admins.sessionTtlMs,
    });
    return { admin: toAdminNode(started.admin), sessionToken: started.token, expiresAt: started.session.expiresAt };
  }

  @Mutation(() => Boolean, {
    description: "Ends the caller's admin session; its open WebSockets are closed with 4401.",
  })
  async signOut(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    const admin = adminOf(ctx.viewer);
    await signOut(ctx.em, admin.sessionId, ctx.now());
    await notifyAdminSessionsEnded(ctx.em, [admin.sessionId], 'signed_out');
    return true;
  }
}
