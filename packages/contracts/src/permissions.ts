import { z } from "zod";

/**
 * Everything a membership's role may be allowed to do, named `noun.verb`. Procedures ask for one of these;
 * `packages/domain` says which role has which. The session carries the active membership's, so the apps
 * offer only what the person may do (the API refuses the rest whatever the apps show).
 */
export const permission = z.enum([
  "institution.update_branding",
  "users.read",
  "users.manage",
  "memberships.read",
  "memberships.manage",
  "client_groups.read",
  "client_groups.manage",
  "accounts.unlock",
  "accounts.suspend",
  "sessions.act_as",
  "api_keys.manage",
  "identity_providers.manage",
  "audit.read",
  "audit.verify",
  "operations.view",
  "courses.manage",
  "enrolments.read",
  "enrolments.manage",
  "access.inspect",
  "access.override",
  "contracts.manage",
  "promotions.manage",
  "learners.search",
  "progress.read",
]);
export type Permission = z.infer<typeof permission>;
