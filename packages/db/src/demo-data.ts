import type { Database } from "./client.ts";

/** Partner institutions the demo starts with; loading them again changes nothing. */
export const demoInstitutions = [
  { slug: "northwind-health", display_name: "Northwind Health Academy", primary_colour: "#0b5cad" },
  { slug: "lakeside-college", display_name: "Lakeside Community College", primary_colour: "#7a2e8c" },
  { slug: "acme-compliance", display_name: "ACME Compliance Training", primary_colour: "#1f6f43" },
] as const;

/** Loads the demo data idempotently: a second run neither duplicates rows nor overwrites edits. */
export async function loadDemoData(db: Database): Promise<{ institutionsAdded: number }> {
  const added = await db
    .insertInto("institutions")
    .values(demoInstitutions.map((institution) => ({ ...institution })))
    .onConflict((oc) => oc.column("slug").doNothing())
    .returning("id")
    .execute();
  return { institutionsAdded: added.length };
}
