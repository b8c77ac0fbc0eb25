import { z } from "zod";

/**
 * Words the web apps use as the first segment of their own pages (`/learn/courses`, `/learn/account/…`,
 * `/teach/sign-in/<slug>`, built files under `assets/`): an institution called so could never be reached.
 */
export const reservedInstitutionSlugs = ["account", "assets", "courses", "sign-in"] as const;

/** An institution's public address: lowercase letters, digits and single hyphens, 2 to 63 characters. */
export const institutionSlug = z
  .string()
  .min(2, "An institution slug has at least 2 characters")
  .max(63, "An institution slug has at most 63 characters")
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and single hyphens")
  .refine(
    (slug) => !(reservedInstitutionSlugs as readonly string[]).includes(slug),
    "That slug names pages of LearnOps itself (account, assets, courses, sign-in): choose another",
  );
export type InstitutionSlug = z.infer<typeof institutionSlug>;

/** A CSS colour in #rrggbb form, as partner branding is stored. */
export const brandColour = z.string().regex(/^#[0-9a-f]{6}$/i, "Use a colour in #rrggbb form");

/** What anyone may see of an institution before signing in: enough to pick it and show its branding. */
export const institutionDirectoryEntry = z.object({
  slug: institutionSlug,
  displayName: z.string(),
  primaryColour: brandColour,
  accentColour: brandColour,
  /** An https address of the institution's logo; null shows its initials on its colours. */
  logoUrl: z.string().nullable(),
  /** Whether people may create their own learner account here (`policies.selfRegistration`). */
  selfRegistration: z.boolean(),
});
export type InstitutionDirectoryEntry = z.infer<typeof institutionDirectoryEntry>;

export const institutionBySlugInput = z.object({ slug: institutionSlug });
export type InstitutionBySlugInput = z.infer<typeof institutionBySlugInput>;
