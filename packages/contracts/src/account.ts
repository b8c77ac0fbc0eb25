import { z } from "zod";
import { currentPassword, email, newPassword, requestPasswordResetInput } from "./auth.ts";
import { institutionSlug } from "./institutions.ts";

/**
 * The "forgot your password?" form: the address, and the institution whose page it was sent from, so the
 * email can carry that institution's name.
 */
export const forgotPasswordInput = requestPasswordResetInput.extend({ institutionSlug: institutionSlug.optional() });
export type ForgotPasswordInput = z.infer<typeof forgotPasswordInput>;

export const changePasswordInput = z.object({ currentPassword, newPassword });
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;

/** A person's name as others see it in the platform. */
export const displayName = z.string().trim().min(1, "Enter your name").max(200, "A name has at most 200 characters");

/** Self-registration as a learner of an institution that allows it (`policies.selfRegistration`). */
export const registerInput = z.object({
  email,
  displayName,
  password: newPassword,
  institutionSlug,
});
export type RegisterInput = z.infer<typeof registerInput>;

/** Like the reset token, it comes from a link in an email; a value outside the alphabet is a mangled link. */
export const emailVerificationToken = z
  .string()
  .regex(/^[a-z2-7]{16,128}$/, "This confirmation link is incomplete. Open it again from the email");

export const verifyEmailInput = z.object({ token: emailVerificationToken });
export type VerifyEmailInput = z.infer<typeof verifyEmailInput>;

/**
 * The answer to a request that may send an email (reset, registration): the same words whether or not the
 * address has an account, so the answer tells nobody who does.
 */
export const emailOnItsWay = z.object({ message: z.string() });
export type EmailOnItsWay = z.infer<typeof emailOnItsWay>;
