import type { Selectable } from "kysely";
import type { Database } from "../client.ts";
import type { Institutions, Json } from "../schema.ts";

export type Institution = Selectable<Institutions>;

/** The public directory: what the sign-in picker shows, ordered by name. */
export function listInstitutionDirectory(db: Database) {
  return db
    .selectFrom("institutions")
    .select(["slug", "display_name", "primary_colour", "accent_colour", "logo_url", "policies"])
    .orderBy("display_name")
    .orderBy("slug")
    .execute();
}

export function findInstitutionBySlug(db: Database, slug: string) {
  return db
    .selectFrom("institutions")
    .select(["id", "slug", "display_name", "primary_colour", "accent_colour", "logo_url", "policies"])
    .where("slug", "=", slug)
    .executeTakeFirst();
}

/** Whether an institution's policies let people create their own learner accounts: only an explicit `true`. */
export function allowsSelfRegistration(policies: Json): boolean {
  return (
    typeof policies === "object" && policies !== null && !Array.isArray(policies) && policies.selfRegistration === true
  );
}
