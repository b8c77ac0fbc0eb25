import type { Role } from "@learnops/contracts/auth";
import { type Permission, permission } from "@learnops/contracts/permissions";

export type { Permission };

/** Every permission there is, in the order the contract names them. */
export const permissions: readonly Permission[] = permission.options;

/**
 * What each role may do within the institution of its membership. Learners and instructors act on their
 * own records (enrolments, submissions), which procedures check by ownership, not by permission.
 * A client manager's reads are further limited to their client group by the procedures that serve them.
 */
export const rolePermissions: Readonly<Record<Role, readonly Permission[]>> = {
  learner: [],
  // Instructors read the progress of their own cohorts' learners only (the reports scope them).
  instructor: ["progress.read"],
  client_manager: ["users.read", "memberships.read", "enrolments.read", "learners.search", "progress.read"],
  support_agent: [
    "users.read",
    "memberships.read",
    "client_groups.read",
    "accounts.unlock",
    "sessions.act_as",
    "audit.read",
    "operations.view",
    "enrolments.read",
    "access.inspect",
    "learners.search",
    "progress.read",
  ],
  course_admin: [
    "institution.update_branding",
    "users.read",
    "users.manage",
    "memberships.read",
    "memberships.manage",
    "client_groups.read",
    "client_groups.manage",
    "accounts.unlock",
    "api_keys.manage",
    "identity_providers.manage",
    "audit.read",
    "audit.verify",
    "courses.manage",
    "enrolments.read",
    "enrolments.manage",
    "access.inspect",
    "access.override",
    "contracts.manage",
    "promotions.manage",
    "learners.search",
    "progress.read",
  ],
  platform_admin: permissions,
};

export function hasPermission(role: Role, wanted: Permission): boolean {
  return rolePermissions[role].includes(wanted);
}

/** Roles a support agent or platform admin may act as: never a platform admin, whose powers are not for loan. */
export function mayBeActedAs(role: Role): boolean {
  return role !== "platform_admin";
}
