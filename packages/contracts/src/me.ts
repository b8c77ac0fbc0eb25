import { z } from "zod";
import { role } from "./auth.ts";
import { brandColour, institutionSlug } from "./institutions.ts";

/** A membership as its holder sees it: the role, and the institution with the branding the apps take on. */
export const membershipView = z.object({
  id: z.uuid(),
  role,
  clientGroupId: z.uuid().nullable(),
  institution: z.object({
    id: z.uuid(),
    slug: institutionSlug,
    displayName: z.string(),
    primaryColour: brandColour,
    accentColour: brandColour,
    logoUrl: z.string().nullable(),
  }),
});
export type MembershipView = z.infer<typeof membershipView>;

/** Who is signed in and in which membership they act; null when nobody is. */
export const sessionView = z.object({
  user: z.object({ id: z.uuid(), email: z.string(), displayName: z.string() }),
  activeMembership: membershipView.nullable(),
  expiresAt: z.iso.datetime(),
});
export type SessionView = z.infer<typeof sessionView>;

export const switchMembershipInput = z.object({ membershipId: z.uuid() });
export type SwitchMembershipInput = z.infer<typeof switchMembershipInput>;

/** One of the signed-in person's sessions, for "where am I signed in" and sign-out everywhere. */
export const sessionListEntry = z.object({
  current: z.boolean(),
  createdAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type SessionListEntry = z.infer<typeof sessionListEntry>;
