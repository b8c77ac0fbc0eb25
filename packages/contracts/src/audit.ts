import { z } from "zod";

/** Filters and a page of the audit log; `cursor` is the `nextCursor` of the previous page. */
export const auditListInput = z.object({
  action: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)*$/, "Use an action such as membership.switched")
    .optional(),
  actorUserId: z.uuid().optional(),
  targetId: z.string().max(200).optional(),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
  limit: z.number().int().min(1).max(200).default(50),
  cursor: z.string().regex(/^\d+$/, "Use the nextCursor of the previous page").optional(),
});
export type AuditListInput = z.infer<typeof auditListInput>;

export const auditEventView = z.object({
  id: z.string(),
  sequence: z.number().int(),
  occurredAt: z.iso.datetime(),
  action: z.string(),
  actorUserId: z.uuid().nullable(),
  realActorUserId: z.uuid().nullable(),
  activeMembershipId: z.uuid().nullable(),
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
