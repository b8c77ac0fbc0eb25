import type { Database } from "../client.ts";

/**
 * A person's memberships in every institution, with each institution's branding. Run inside `withUser`:
 * row-level security shows a transaction acting for a person their own memberships and nobody else's.
 * One indexed lookup by user, whatever the number of memberships other people hold.
 */
export function listOwnMemberships(db: Database, userId: string) {
  return db
    .selectFrom("memberships")
    .innerJoin("institutions", "institutions.id", "memberships.institution_id")
    .select([
      "memberships.id",
      "memberships.role",
      "memberships.status",
      "memberships.client_group_id",
      "memberships.institution_id",
      "institutions.slug as institution_slug",
      "institutions.display_name as institution_name",
      "institutions.primary_colour",
      "institutions.accent_colour",
      "institutions.logo_url",
    ])
    .where("memberships.user_id", "=", userId)
    .orderBy("institutions.display_name")
    .orderBy("memberships.role")
    .execute();
}

export type OwnMembership = Awaited<ReturnType<typeof listOwnMemberships>>[number];
