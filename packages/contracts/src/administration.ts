import { z } from "zod";
import { apiKeyScope, email, role } from "./auth.ts";
import { brandColour } from "./institutions.ts";

const uuid = z.uuid();

/** People of the active institution, by name; `search` matches the start of a name or an email address. */
export const listPeopleInput = z.object({
  search: z.string().trim().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
  /** The email of the last person on the previous page. */
  after: z.string().max(254).optional(),
});
export type ListPeopleInput = z.infer<typeof listPeopleInput>;

export const personInInstitution = z.object({
  userId: uuid,
  email: z.string(),
  displayName: z.string(),
  accountStatus: z.enum(["active", "suspended"]),
  memberships: z.array(
    z.object({
      id: uuid,
      role,
      status: z.enum(["active", "suspended"]),
      clientGroupId: uuid.nullable(),
      /** The client group's name, so readers without `client_groups.read` (client managers) can see it. */
      clientGroupName: z.string().nullable(),
    }),
  ),
  /** False until the person chooses a password (through their invitation, or "Forgot your password?"). */
  hasPassword: z.boolean(),
  /** Until when too many failed sign-ins lock the person's address; null when it is not locked. */
  signInLockedUntil: z.iso.datetime().nullable(),
});
export type PersonInInstitution = z.infer<typeof personInInstitution>;

/** Adds a person (new, or already known by their email elsewhere) to the institution with a role. */
export const addMemberInput = z.object({
  email,
  displayName: z.string().trim().min(1, "Enter the person's name").max(200),
  role,
  clientGroupId: uuid.optional(),
});
export type AddMemberInput = z.infer<typeof addMemberInput>;

export const membershipIdInput = z.object({ membershipId: uuid });
export const changeRoleInput = z.object({ membershipId: uuid, role, clientGroupId: uuid.nullable().optional() });
export type ChangeRoleInput = z.infer<typeof changeRoleInput>;
export const userIdInput = z.object({ userId: uuid });
export type UserIdInput = z.infer<typeof userIdInput>;

export const clientGroupName = z.string().trim().min(1, "Enter a name").max(200);
export const createClientGroupInput = z.object({ name: clientGroupName });
export const renameClientGroupInput = z.object({ clientGroupId: uuid, name: clientGroupName });
export const clientGroupIdInput = z.object({ clientGroupId: uuid });

export const updateBrandingInput = z.object({
  displayName: z.string().trim().min(1).max(200),
  primaryColour: brandColour,
  accentColour: brandColour,
  logoUrl: z
    .url({ protocol: /^https$/, error: "Use an https:// address for the logo" })
    .max(2000)
    .nullable(),
});
export type UpdateBrandingInput = z.infer<typeof updateBrandingInput>;

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1, "Name the key after the system that will use it").max(200),
  scopes: z.array(apiKeyScope).min(1, "Grant at least one scope").max(10),
  expiresAt: z.iso.datetime().optional(),
});
export type CreateApiKeyInput = z.infer<typeof createApiKeyInput>;
export const apiKeyIdInput = z.object({ apiKeyId: uuid });
