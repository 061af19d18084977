import { Field, ID, ObjectType } from 'type-graphql';

import type { Admin, AdminInvitation } from '../../tenancy/admin.entity.js';
import { DateTimeScalar } from '../scalars.js';

@ObjectType('Admin', { description: "A customer's IT admin: manages the directories of one organization." })
export class AdminNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Lower-case.' })
  email!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Set by revokeAdmin; its sessions ended then.' })
  revokedAt!: Date | null;
}

@ObjectType('AdminInvitation', { description: 'An invitation to administer an organization, accepted once.' })
export class AdminInvitationNode {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Lower-case.' })
  email!: string;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => String, {
    nullable: true,
    description: 'The link to accept it at (ADMIN_INVITATION_URL): returned once, by inviteAdmin; null afterwards.',
  })
  url!: string | null;
}

@ObjectType('AdminSession', { description: 'A signed-in admin.' })
export class AdminSessionNode {
  @Field(() => AdminNode)
  admin!: AdminNode;

  @Field(() => String, { description: 'Authorization: Bearer <sessionToken> (dsa_…); returned once.' })
  sessionToken!: string;

  @Field(() => DateTimeScalar)
  expiresAt!: Date;
}

export function toAdminNode(admin: Admin): AdminNode {
  return {
    id: admin.id,
    email: admin.email,
    name: admin.name,
    createdAt: admin.createdAt,
    revokedAt: admin.revokedAt,
  };
}

export function toInvitationNode(invitation: AdminInvitation, url: string | null = null): AdminInvitationNode {
  return {
    id: invitation.id,
    email: invitation.email,
    expiresAt: invitation.expiresAt,
    createdAt: invitation.createdAt,
    url,
  };
}
