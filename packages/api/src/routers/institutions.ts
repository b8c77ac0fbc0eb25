import { type InstitutionDirectoryEntry, institutionBySlugInput } from "@learnops/contracts/institutions";
import { findInstitutionBySlug, listInstitutionDirectory } from "@learnops/db/queries/institutions";
import { notFound, publicProcedure, router } from "../trpc.ts";

function toDirectoryEntry(row: {
  slug: string;
  display_name: string;
  primary_colour: string;
}): InstitutionDirectoryEntry {
  return { slug: row.slug, displayName: row.display_name, primaryColour: row.primary_colour };
}

export const institutionsRouter = router({
  /** Institutions a person can choose from before signing in, with their branding colour. */
  directory: publicProcedure.query(async ({ ctx }) => (await listInstitutionDirectory(ctx.db)).map(toDirectoryEntry)),

  bySlug: publicProcedure.input(institutionBySlugInput).query(async ({ ctx, input }) => {
    const institution = await findInstitutionBySlug(ctx.db, input.slug);
    if (!institution) throw notFound(`Institution "${input.slug}"`);
    return toDirectoryEntry(institution);
  }),
});
