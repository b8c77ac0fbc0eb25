import { z } from "zod";
import { email, role } from "./auth.ts";

/** Filters and a page of the audit log; `cursor` is the `nextCursor` of the previous page. */
export const auditListInput = z.object({
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*$/, "Use an action such as membership.switched")
    .optional(),
  actorUserId: z.uuid().optional(),
  /** Events whose actor or real actor has this address (people the reader may see only, as in the list). */
  actorEmail: email.optional(),
  targetId: z.string().max(200).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/, "Use the nextCursor of the previous page").optional(),
});
export type AuditListInput = z.infer<typeof auditListInput>;

/** A person named in an event, as the reader's institution knows them. */
export const auditPerson = z.object({ displayName: z.string(), email: z.string() });
export type AuditPerson = z.infer<typeof auditPerson>;

/**
 * One event of the active institution's chain. `actor` and `realActor` name the people behind the ids when
 * they hold a membership in the institution (row-level security decides); they are null for anyone else
 * (someone whose membership was removed, the platform's own processes) and for no one. `activeRole` is the
 * role of the membership the action was taken in, null once that membership is gone.
 */
export const auditEventView = z.object({
  id: z.string(),
  sequence: z.number().int(),
  occurredAt: z.iso.datetime(),
  action: z.string(),
  actorUserId: z.uuid().nullable(),
  actor: auditPerson.nullable(),
  realActorUserId: z.uuid().nullable(),
  realActor: auditPerson.nullable(),
  activeMembershipId: z.uuid().nullable(),
  activeRole: role.nullable(),
  targetType: z.string().nullable(),
  targetId: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
});
export type AuditEventView = z.infer<typeof auditEventView>;

export const auditChainReport = z.object({
  intact: z.boolean(),
  breaks: z.array(z.object({ sequence: z.number().int(), problem: z.string() })),
});
export type AuditChainReport = z.infer<typeof auditChainReport>;
