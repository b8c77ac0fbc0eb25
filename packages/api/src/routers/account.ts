import { createHash } from "node:crypto";
import { hashPassword, verifyAgainstDummyHash, verifyPassword } from "@learnops/auth/passwords";
import { serializeBlankSessionCookie } from "@learnops/auth/session-cookie";
import {
  generateSecretToken,
  hashSecretToken,
  type SingleUseTokenPurpose,
  singleUseTokenExpiry,
  singleUseTokenLifetimeSeconds,
} from "@learnops/auth/session-tokens";
import {
  alignedWindowStart,
  decideAfterIncrement,
  defaultAccountLockoutPolicy,
  type FixedWindowRule,
  isLocked,
  lockoutKeyForEmail,
  passwordResetPerEmailRule,
  passwordResetPerIpRule,
  recordFailure,
} from "@learnops/auth/sign-in-throttle";
import {
  changePasswordInput,
  type EmailOnItsWay,
  forgotPasswordInput,
  registerInput,
  verifyEmailInput,
} from "@learnops/contracts/account";
import { resetPasswordInput } from "@learnops/contracts/auth";
import type { Database } from "@learnops/db/client";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { allowsSelfRegistration } from "@learnops/db/queries/institutions";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { deleteUserSessions } from "@learnops/db/queries/sessions";
import { countInWindow, findSignInLockout, saveSignInLockout } from "@learnops/db/queries/sign-in-guards";
import { findUserForSignIn, setPasswordHash } from "@learnops/db/queries/users";
import { withPlatformScope, withTenant, withUser } from "@learnops/db/tenancy";
import { type EnqueueEmailDelivery, queueEmail } from "@learnops/email/outbox";
import { accountExistsEmail, emailVerificationEmail, passwordResetEmail } from "@learnops/email/templates";
import { emailDeliveryJob } from "@learnops/jobs/queues";
import { sendJob } from "@learnops/jobs/send";
import { TRPCError } from "@trpc/server";
import type { PgBoss } from "pg-boss";
import type { Context } from "../context.ts";
import { authedProcedure, notFound, publicProcedure, router } from "../trpc.ts";

// ---------------------------------------------------------------------------------------------------------
// Links in emails, rate limits, single-use tokens.
// ---------------------------------------------------------------------------------------------------------

/**
 * A link in an email: always to the configured public origin (see `ApiServices.publicUrl`). The institution,
 * when known, brands the page the link opens and its way back to that institution's sign-in page.
 */
function link(ctx: Context, path: string, token?: string, institutionSlug?: string | null): string {
  const url = new URL(path, ctx.publicUrl);
  if (token) url.searchParams.set("token", token);
  if (institutionSlug) url.searchParams.set("institution", institutionSlug);
  return url.toString();
}

const resetPasswordPath = "/learn/account/reset-password";
const verifyEmailPath = "/learn/account/verify-email";

/** Registration sends mail to any address it is given, exactly like a reset request: the same limits. */
const registrationPerIpRule: FixedWindowRule = passwordResetPerIpRule;
const registrationPerEmailRule: FixedWindowRule = passwordResetPerEmailRule;

function minutes(seconds: number): string {
  const count = Math.max(1, Math.ceil(seconds / 60));
  return `${count} minute${count === 1 ? "" : "s"}`;
}

/**
 * Counts this request in a fixed window shared by every API instance; beyond the limit, 429 with
 * Retry-After. Addresses are counted whether or not they have an account, so a refusal reveals nothing.
 */
async function enforceLimit(ctx: Context, key: string, rule: FixedWindowRule, refusal: (wait: string) => string) {
  const now = ctx.now();
  const decision = decideAfterIncrement(await countInWindow(ctx.db, key, alignedWindowStart(rule, now)), rule, now);
  if (!decision.allowed) {
    ctx.responseHeaders.set("Retry-After", String(decision.retryAfterSeconds));
    throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: refusal(minutes(decision.retryAfterSeconds)) });
  }
}

/** Rate-limit keys hold an address's SHA-256, so addresses with no account are not kept in clear. */
function addressKey(route: string, email: string): string {
  return `${route}:email:${createHash("sha256").update(email).digest("hex")}`;
}

/** A fresh token for the person; only its SHA-256 is stored. Returns the token itself, for the link. */
async function issueSingleUseToken(db: Database, userId: string, purpose: SingleUseTokenPurpose, now: Date) {
  const token = generateSecretToken();
  await db
    .insertInto("auth_tokens")
    .values({ id: hashSecretToken(token), user_id: userId, purpose, expires_at: singleUseTokenExpiry(purpose, now) })
    .execute();
  return token;
}

/**
 * Uses a token up in one statement: of two requests presenting it at once, exactly one gets the person.
 * Unknown, used, expired and suspended people's tokens all answer null.
 */
async function consumeSingleUseToken(db: Database, token: string, purpose: SingleUseTokenPurpose, now: Date) {
  const row = await db
    .updateTable("auth_tokens")
    .set({ used_at: now })
    .where("id", "=", hashSecretToken(token))
    .where("purpose", "=", purpose)
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .where((eb) => eb("user_id", "in", eb.selectFrom("users").select("users.id").where("users.status", "=", "active")))
    .returning("user_id")
    .executeTakeFirst();
  return row?.user_id ?? null;
}

/** Messages are enqueued in the transaction that writes them (see packages/email's outbox). */
function deliveryThrough(jobs: PgBoss): EnqueueEmailDelivery {
  return (outboxId, transaction) => sendJob(jobs, emailDeliveryJob, { outboxId }, { transaction });
}

/**
 * The institution to name in a person's email (and to brand its link): the one whose page the request came
 * from if they belong to it, else their only one; null when that is not clear.
 */
async function institutionFor(
  db: Database,
  userId: string,
  slug: string | undefined,
): Promise<{ name: string; slug: string } | null> {
  const memberships = await withUser(db, userId, (trx) => listOwnMemberships(trx, userId));
  const named = memberships.find((membership) => membership.institution_slug === slug);
  if (named) return { name: named.institution_name, slug: named.institution_slug };
  const slugs = new Set(memberships.map((membership) => membership.institution_slug));
  const only = slugs.size === 1 ? memberships[0] : undefined;
  return only ? { name: only.institution_name, slug: only.institution_slug } : null;
}

const minutesOf = (purpose: SingleUseTokenPurpose) => singleUseTokenLifetimeSeconds[purpose] / 60;

// The same answers whoever owns the address.
const resetRequested =
  "If an account uses this address, we have sent it a link to choose a new password. The link works for one hour.";
const registrationReceived =
  "Check your inbox: we have sent a message to this address to confirm it. Open the link in it to finish.";

const clearedLockout = { failedCount: 0, windowStartedAt: null, lockedUntil: null };

export const accountRouter = router({
  /**
   * "Forgot your password?": emails a single-use link (valid one hour) to the address if an active account
   * uses it. Answers the same either way, and limits requests per client address and per email address.
   */
  requestPasswordReset: publicProcedure
    .input(forgotPasswordInput)
    .mutation(async ({ ctx, input }): Promise<EmailOnItsWay> => {
      await enforceLimit(
        ctx,
        `password-reset:ip:${ctx.ip ?? "unknown"}`,
        passwordResetPerIpRule,
        (wait) => `Too many password reset requests from your network. Try again in ${wait}.`,
      );
      await enforceLimit(
        ctx,
        addressKey("password-reset", input.email),
        passwordResetPerEmailRule,
        (wait) => `Too many reset requests for this address. Check your inbox, or try again in ${wait}.`,
      );

      const user = await findUserForSignIn(ctx.db, input.email);
      if (user?.status === "active") {
        const now = ctx.now();
        await ctx.db.transaction().execute(async (trx) => {
          const token = await issueSingleUseToken(trx, user.id, "password_reset", now);
          const institution = await institutionFor(trx, user.id, input.institutionSlug);
          const message = passwordResetEmail({
            displayName: user.display_name,
            institutionName: institution?.name ?? null,
            resetUrl: link(ctx, resetPasswordPath, token, institution?.slug),
            validForMinutes: minutesOf("password_reset"),
          });
          await queueEmail(
            trx,
            { kind: "password_reset", userId: user.id, to: user.email, ...message },
            deliveryThrough(ctx.jobs),
          );
        });
      }
      return { message: resetRequested };
    }),

  /**
   * Sets a new password with a reset link's token, used up in the same statement that checks it. Every
   * session of the person ends, other reset links stop working, a sign-in lock is lifted, and the address
   * counts as confirmed (the link reached it).
   */
  resetPassword: publicProcedure.input(resetPasswordInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const reset = await withPlatformScope(ctx.db, async (trx) => {
      const userId = await consumeSingleUseToken(trx, input.token, "password_reset", now);
      if (!userId) return null;
      await setPasswordHash(trx, userId, await hashPassword(input.newPassword));
      const sessionsEnded = await deleteUserSessions(trx, userId);
      await trx
        .deleteFrom("auth_tokens")
        .where("user_id", "=", userId)
        .where("purpose", "=", "password_reset")
        .where("used_at", "is", null)
        .execute();
      const person = await trx
        .updateTable("users")
        .set((eb) => ({ email_verified_at: eb.fn.coalesce("email_verified_at", eb.val(now)), updated_at: now }))
        .where("id", "=", userId)
        .returning("email")
        .executeTakeFirstOrThrow();
      await saveSignInLockout(trx, lockoutKeyForEmail(person.email), clearedLockout);
      await appendAuditEvent(trx, {
        institutionId: null,
        action: "account.password_reset",
        actorUserId: userId,
        targetType: "user",
        targetId: userId,
        after: { sessionsEnded },
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      return { sessionsEnded };
    });
    if (!reset) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message: "This reset link has expired or was already used. Ask for a new one on the sign-in page.",
      });
    }
    // This browser's session, if it had one, has just ended with the others.
    ctx.responseHeaders.append("Set-Cookie", serializeBlankSessionCookie({ secure: ctx.secureCookies }));
    return { passwordReset: true };
  }),

  /**
   * A signed-in person changes their own password, proving the current one; their other sessions end, this
   * one stays. A wrong current password counts against the address's sign-in lock like a failed sign-in.
   */
  changePassword: authedProcedure.input(changePasswordInput).mutation(async ({ ctx, input }) => {
    if (ctx.session.actingAs) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Only ${ctx.session.user.displayName} can change their password; stop acting as them first`,
      });
    }
    const now = ctx.now();
    const person = ctx.session.user;
    const lockoutKey = lockoutKeyForEmail(person.email);
    const lockout = await findSignInLockout(ctx.db, lockoutKey);
    const locked = isLocked(lockout, now);
    if (locked.locked) {
      ctx.responseHeaders.set("Retry-After", String(locked.retryAfterSeconds));
      throw new TRPCError({
        code: "TOO_MANY_REQUESTS",
        message: `Too many wrong passwords for this account. Try again in ${minutes(locked.retryAfterSeconds)}.`,
      });
    }
    const stored = await findUserForSignIn(ctx.db, person.email);
    const matches = stored?.password_hash
      ? await verifyPassword(stored.password_hash, input.currentPassword)
      : await verifyAgainstDummyHash(input.currentPassword);
    if (!matches) {
      await saveSignInLockout(ctx.db, lockoutKey, recordFailure(lockout, defaultAccountLockoutPolicy, now));
      throw new TRPCError({ code: "BAD_REQUEST", message: "Your current password is not correct" });
    }

    const hash = await hashPassword(input.newPassword);
    const otherSessionsEnded = await withPlatformScope(ctx.db, async (trx) => {
      await setPasswordHash(trx, person.id, hash);
      const ended = await trx
        .deleteFrom("sessions")
        .where("user_id", "=", person.id)
        .where("id", "<>", ctx.session.id)
        .executeTakeFirst();
      // Links asked for before the change would undo it.
      await trx
        .deleteFrom("auth_tokens")
        .where("user_id", "=", person.id)
        .where("purpose", "=", "password_reset")
        .where("used_at", "is", null)
        .execute();
      await saveSignInLockout(trx, lockoutKey, clearedLockout);
      const count = Number(ended.numDeletedRows);
      await appendAuditEvent(trx, {
        institutionId: null,
        action: "account.password_changed",
        actorUserId: person.id,
        activeMembershipId: ctx.session.membership?.id ?? null,
        targetType: "user",
        targetId: person.id,
        after: { otherSessionsEnded: count },
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      return count;
    });
    return { otherSessionsEnded };
  }),

  /**
   * Self-registration as a learner of an institution whose policies allow it. A new address gets an
   * unconfirmed account (it cannot sign in before its address is confirmed) and a confirmation link; an
   * address that has an account gets a note instead and nothing is created. The answer is the same.
   */
  register: publicProcedure.input(registerInput).mutation(async ({ ctx, input }): Promise<EmailOnItsWay> => {
    await enforceLimit(
      ctx,
      `register:ip:${ctx.ip ?? "unknown"}`,
      registrationPerIpRule,
      (wait) => `Too many registrations from your network. Try again in ${wait}.`,
    );
    await enforceLimit(
      ctx,
      addressKey("register", input.email),
      registrationPerEmailRule,
      (wait) => `Too many registrations for this address. Check your inbox, or try again in ${wait}.`,
    );
    const institution = await ctx.db
      .selectFrom("institutions")
      .select(["id", "slug", "display_name", "policies"])
      .where("slug", "=", input.institutionSlug)
      .executeTakeFirst();
    if (!institution) throw notFound("Institution");
    if (!allowsSelfRegistration(institution.policies)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `${institution.display_name} does not let people create their own accounts. Ask ${institution.display_name} to add you.`,
      });
    }

    // Hashed whether or not the address is taken, so the answer takes as long either way.
    const passwordHash = await hashPassword(input.password);
    const now = ctx.now();
    const deliver = deliveryThrough(ctx.jobs);
    await ctx.db.transaction().execute(async (trx) => {
      const created = await trx
        .insertInto("users")
        .values({ email: input.email, display_name: input.displayName })
        .onConflict((oc) => oc.column("email").doNothing())
        .returning("id")
        .executeTakeFirst();

      if (!created) {
        const existing = await trx
          .selectFrom("users")
          .select(["id", "email", "display_name", "status"])
          .where("email", "=", input.email)
          .executeTakeFirstOrThrow();
        if (existing.status !== "active") return;
        // A reset link, not a confirmation: whoever registered the address first (perhaps not its owner)
        // chose that password, and resetting it is how the owner takes the account over.
        const token = await issueSingleUseToken(trx, existing.id, "password_reset", now);
        const message = accountExistsEmail({
          displayName: existing.display_name,
          institutionName: institution.display_name,
          signInUrl: link(ctx, `/learn/${institution.slug}`),
          resetUrl: link(ctx, resetPasswordPath, token, institution.slug),
          validForMinutes: minutesOf("password_reset"),
        });
        await queueEmail(trx, { kind: "account_exists", userId: existing.id, to: existing.email, ...message }, deliver);
        return;
      }

      await setPasswordHash(trx, created.id, passwordHash);
      await withTenant(trx, { institutionId: institution.id, userId: created.id }, async (tenant) => {
        const membership = await tenant
          .insertInto("memberships")
          .values({ institution_id: institution.id, user_id: created.id, role: "learner" })
          .returning("id")
          .executeTakeFirstOrThrow();
        await appendAuditEvent(tenant, {
          institutionId: institution.id,
          action: "account.registered",
          actorUserId: created.id,
          activeMembershipId: membership.id,
          targetType: "user",
          targetId: created.id,
          after: { membershipId: membership.id, role: "learner", selfRegistered: true },
          requestId: ctx.requestId,
          ip: ctx.ip,
        });
      });
      const token = await issueSingleUseToken(trx, created.id, "email_verification", now);
      const message = emailVerificationEmail({
        displayName: input.displayName,
        institutionName: institution.display_name,
        verifyUrl: link(ctx, verifyEmailPath, token, institution.slug),
        validForMinutes: minutesOf("email_verification"),
      });
      await queueEmail(trx, { kind: "email_verification", userId: created.id, to: input.email, ...message }, deliver);
    });
    return { message: registrationReceived };
  }),

  /** Confirms a registered address with the token from the confirmation link; the account may then sign in. */
  verifyEmail: publicProcedure.input(verifyEmailInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const verified = await withPlatformScope(ctx.db, async (trx) => {
      const userId = await consumeSingleUseToken(trx, input.token, "email_verification", now);
      if (!userId) return false;
      await trx
        .updateTable("users")
        .set({ email_verified_at: now, updated_at: now })
        .where("id", "=", userId)
        .where("email_verified_at", "is", null)
        .execute();
      await appendAuditEvent(trx, {
        institutionId: null,
        action: "account.email_verified",
        actorUserId: userId,
        targetType: "user",
        targetId: userId,
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
      return true;
    });
    if (!verified) {
      throw new TRPCError({
        code: "BAD_REQUEST",
        message:
          "This confirmation link has expired or was already used. If you confirmed your address already, sign in; " +
          "otherwise use “Forgot your password?” on the sign-in page: a password chosen through its link confirms your address too.",
      });
    }
    return { verified: true };
  }),
});
