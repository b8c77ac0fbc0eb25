import { updateBrandingInput } from "@learnops/contracts/administration";
import { type InstitutionDirectoryEntry, institutionBySlugInput } from "@learnops/contracts/institutions";
import {
  allowsSelfRegistration,
  findInstitutionBySlug,
  listInstitutionDirectory,
} from "@learnops/db/queries/institutions";
import type { Json } from "@learnops/db/schema";
import { recordAction } from "../audit-trail.ts";
import { notFound, permittedProcedure, publicProcedure, router } from "../trpc.ts";

function toDirectoryEntry(row: {
  slug: string;
  display_name: string;
  primary_colour: string;
  accent_colour: string;
  logo_url: string | null;
  policies: Json;
}): InstitutionDirectoryEntry {
  return {
    slug: row.slug,
    displayName: row.display_name,
    primaryColour: row.primary_colour,
    accentColour: row.accent_colour,
    logoUrl: row.logo_url,
    selfRegistration: allowsSelfRegistration(row.policies),
  };
}

export const institutionsRouter = router({
  /** Institutions a person can choose from before signing in, with their branding. */
  directory: publicProcedure.query(async ({ ctx }) => (await listInstitutionDirectory(ctx.db)).map(toDirectoryEntry)),

  bySlug: publicProcedure.input(institutionBySlugInput).query(async ({ ctx, input }) => {
    const institution = await findInstitutionBySlug(ctx.db, input.slug);
    if (!institution) throw notFound(`Institution "${input.slug}"`);
    return toDirectoryEntry(institution);
  }),

  /** The active institution's name, colours and logo, as its apps and sign-in page show them. */
  updateBranding: permittedProcedure("institution.update_branding")
    .input(updateBrandingInput)
    .mutation(async ({ ctx, input }) => {
      // institutions is the tenant itself and carries no row-level policy: the id comes from the session.
      const before = await ctx.db
        .selectFrom("institutions")
        .select(["display_name", "primary_colour", "accent_colour", "logo_url"])
        .where("id", "=", ctx.institutionId)
        .executeTakeFirstOrThrow();
      const after = {
        display_name: input.displayName,
        primary_colour: input.primaryColour,
        accent_colour: input.accentColour,
        logo_url: input.logoUrl,
      };
      await ctx.db
        .updateTable("institutions")
        .set({ ...after, updated_at: new Date() })
        .where("id", "=", ctx.institutionId)
        .execute();
      await recordAction(ctx, {
        action: "institution.branding_updated",
        targetType: "institution",
        targetId: ctx.institutionId,
        before,
        after,
      });
      return input;
    }),
});
