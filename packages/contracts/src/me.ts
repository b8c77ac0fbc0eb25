import { z } from "zod";
import { role } from "./auth.ts";
import { brandColour, institutionSlug } from "./institutions.ts";
import { permission } from "./permissions.ts";

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

const person = z.object({ id: z.uuid(), email: z.string(), displayName: z.string() });

/**
 * Who is signed in and in which membership they act; null when nobody is. While support acts as someone,
 * `user` and `activeMembership` are that person's and `actingAs` says who really acts: the apps show a
 * banner for as long as it is set. `permissions` are the active membership's: the apps offer only those.
 */
export const sessionView = z.object({
  user: person,
  activeMembership: membershipView.nullable(),
  permissions: z.array(permission),
  expiresAt: z.iso.datetime(),
  actingAs: z.object({ realUser: person, reason: z.string(), expiresAt: z.iso.datetime() }).nullable(),
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

/** Support acting as a person of the institution it is signed in to, for a stated reason and a short time. */
export const actAsInput = z.object({
  userId: z.uuid(),
  reason: z.string().trim().min(10, "Say why, in at least 10 characters (it goes into the audit trail)").max(500),
  minutes: z.number().int().min(1).max(60).default(30),
});
export type ActAsInput = z.infer<typeof actAsInput>;
