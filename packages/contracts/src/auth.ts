import { z } from "zod";
import { institutionSlug } from "./institutions.ts";

/**
 * An email address as we store and compare it: trimmed and lowercased, so `Ada@Example.org ` and
 * `ada@example.org` are one person. 254 characters is the longest address SMTP can deliver to.
 */
export const email = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "Enter your email address")
  .max(254, "An email address has at most 254 characters")
  // Piped so that an over-long or empty value gets one message, not a second one about its format.
  .pipe(z.email("Enter an email address like name@example.org"));
export type Email = z.infer<typeof email>;

export const passwordMinLength = 12;
export const passwordMaxLength = 256;

/**
 * NIST SP 800-63B counts each Unicode code point as one character; `string.length` would count an emoji
 * as two and let a 6-emoji password pass a 12-character minimum.
 */
function characterCount(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}

/**
 * A new password (sign-up, reset, change), after NIST SP 800-63B: length is what makes a password strong,
 * so we ask for 12 characters and impose no composition rules (they push people to `Password1!`). The
 * maximum only bounds the hashing work; it is far above anything a person types or a manager generates.
 */
export const newPassword = z.string().superRefine((value, ctx) => {
  const length = characterCount(value);
  if (length < passwordMinLength) {
    ctx.addIssue({
      code: "custom",
      message: `Use at least ${passwordMinLength} characters. A few unrelated words together are long and easy to remember`,
    });
  } else if (length > passwordMaxLength) {
    ctx.addIssue({ code: "custom", message: `Use at most ${passwordMaxLength} characters` });
  } else if (new Set(value).size === 1) {
    ctx.addIssue({ code: "custom", message: "Use more than one repeated character: try a few unrelated words" });
  }
});
export type NewPassword = z.infer<typeof newPassword>;

/**
 * A password offered at sign-in. Not checked against the new-password rules: people whose passwords
 * predate them (or were imported) must still be able to sign in and then change it.
 */
export const currentPassword = z
  .string()
  .min(1, "Enter your password")
  .refine(
    (value) => characterCount(value) <= passwordMaxLength,
    `A password has at most ${passwordMaxLength} characters`,
  );

export const signInInput = z.object({
  email,
  password: currentPassword,
  /** The institution whose sign-in page was used, to pick its membership and branding after sign-in. */
  institutionSlug: institutionSlug.optional(),
});
export type SignInInput = z.infer<typeof signInInput>;

export const requestPasswordResetInput = z.object({ email });
export type RequestPasswordResetInput = z.infer<typeof requestPasswordResetInput>;

/**
 * The token comes from the link in the reset email, never from the keyboard; a value outside the token
 * alphabet (base32, lowercase) means a mangled link, and the message says how to get a working one.
 */
export const passwordResetToken = z
  .string()
  .regex(/^[a-z2-7]{16,128}$/, "This reset link is incomplete. Open it again from the email, or ask for a new one");

export const resetPasswordInput = z.object({
  token: passwordResetToken,
  newPassword,
});
export type ResetPasswordInput = z.infer<typeof resetPasswordInput>;

/** What a membership lets a person do inside one institution (platform_admin: across all of them). */
export const role = z.enum([
  "learner",
  "instructor",
  "course_admin",
  "support_agent",
  "client_manager",
  "platform_admin",
]);
export type Role = z.infer<typeof role>;

/** What a machine client's API key may do; a key carries only the scopes its integration needs. */
export const apiKeyScope = z.enum(["xapi:write", "enrolments:read", "enrolments:write", "reports:read"]);
export type ApiKeyScope = z.infer<typeof apiKeyScope>;
