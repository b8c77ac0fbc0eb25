import { hashPassword, needsRehash, verifyAgainstDummyHash, verifyPassword } from "@learnops/auth/passwords";
import { serializeBlankSessionCookie, serializeSessionCookie } from "@learnops/auth/session-cookie";
import {
  alignedWindowStart,
  decideAfterIncrement,
  isLocked,
  lockoutKeyForEmail,
  recordFailure,
  signInPerIpRule,
} from "@learnops/auth/sign-in-throttle";
import { signInInput } from "@learnops/contracts/auth";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { deleteSession, deleteUserSessions } from "@learnops/db/queries/sessions";
import { countInWindow, findSignInLockout, saveSignInLockout } from "@learnops/db/queries/sign-in-guards";
import { findUserForSignIn, setPasswordHash } from "@learnops/db/queries/users";
import { withPlatformScope, withTenant, withUser } from "@learnops/db/tenancy";
import { TRPCError } from "@trpc/server";
import type { Context } from "../context.ts";
import { endSessionWithSingleLogout } from "../saml-sign-in.ts";
import { startSession } from "../sessions.ts";
import { authedProcedure, publicProcedure, router } from "../trpc.ts";
import { toSessionView } from "./me.ts";

/** One answer for an unknown address and a wrong password alike: nothing tells which it was. */
const wrongCredentials = "Email or password is incorrect";

function tooManyRequests(ctx: Context, retryAfterSeconds: number, message: string): TRPCError {
  ctx.responseHeaders.set("Retry-After", String(retryAfterSeconds));
  return new TRPCError({ code: "TOO_MANY_REQUESTS", message });
}

function minutes(seconds: number): string {
  const count = Math.max(1, Math.ceil(seconds / 60));
  return `${count} minute${count === 1 ? "" : "s"}`;
}

export const authRouter = router({
  /**
   * Password sign-in. Limited per client address and locked per email address (known or not, so the lock
   * reveals nothing), checked in constant work whether or not the account exists. On success a new session
   * starts in the membership of the institution whose sign-in page was used, or the person's first.
   */
  signIn: publicProcedure.input(signInInput).mutation(async ({ ctx, input }) => {
    const now = ctx.now();
    const perIp = decideAfterIncrement(
      await countInWindow(ctx.db, `sign-in:ip:${ctx.ip ?? "unknown"}`, alignedWindowStart(signInPerIpRule, now)),
      signInPerIpRule,
      now,
    );
    if (!perIp.allowed) {
      throw tooManyRequests(
        ctx,
        perIp.retryAfterSeconds,
        `Too many sign-in attempts from your network. Try again in ${minutes(perIp.retryAfterSeconds)}.`,
      );
    }

    const lockoutKey = lockoutKeyForEmail(input.email);
    const lockout = await findSignInLockout(ctx.db, lockoutKey);
    const locked = isLocked(lockout, now);
    if (locked.locked) {
      throw tooManyRequests(
        ctx,
        locked.retryAfterSeconds,
        `Too many failed sign-ins for this address. Try again in ${minutes(locked.retryAfterSeconds)}.`,
      );
    }

    const user = await findUserForSignIn(ctx.db, input.email);
    const passwordMatches = user?.password_hash
      ? await verifyPassword(user.password_hash, input.password)
      : await verifyAgainstDummyHash(input.password);
    if (!user || !passwordMatches) {
      const next = recordFailure(lockout, ctx.accountLockout, now);
      await saveSignInLockout(ctx.db, lockoutKey, next);
      if (user && next.lockedUntil && !lockout.lockedUntil) {
        await withPlatformScope(ctx.db, (trx) =>
          appendAuditEvent(trx, {
            institutionId: null,
            action: "account.locked",
            targetType: "user",
            targetId: user.id,
            after: { lockedUntil: next.lockedUntil?.toISOString(), failedSignIns: next.failedCount },
            requestId: ctx.requestId,
            ip: ctx.ip,
          }),
        );
      }
      throw new TRPCError({ code: "UNAUTHORIZED", message: wrongCredentials });
    }
    if (user.status !== "active") {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: "This account is suspended. Contact your institution's administrator.",
      });
    }
    // Only the password's owner learns this: the answer for a wrong password is the same as for no account.
    if (!user.email_verified_at) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Confirm your email address first: open the link we sent to ${user.email}. No email? Use “Forgot your password?” to get a new link.`,
      });
    }

    await saveSignInLockout(ctx.db, lockoutKey, { failedCount: 0, windowStartedAt: null, lockedUntil: null });
    if (user.password_hash && needsRehash(user.password_hash))
      await setPasswordHash(ctx.db, user.id, await hashPassword(input.password));

    const memberships = (await withUser(ctx.db, user.id, (trx) => listOwnMemberships(trx, user.id))).filter(
      (membership) => membership.status === "active",
    );
    const membership =
      memberships.find((candidate) => candidate.institution_slug === input.institutionSlug) ?? memberships[0] ?? null;
    const session = await startSession(
      ctx.db,
      { userId: user.id, membership, ip: ctx.ip, userAgent: ctx.userAgent },
      now,
    );
    ctx.responseHeaders.append(
      "Set-Cookie",
      serializeSessionCookie(session.token, { expiresAt: session.absoluteExpiresAt, secure: ctx.secureCookies, now }),
    );

    const signedIn = {
      institutionId: membership?.institution_id ?? null,
      action: "session.signed_in",
      actorUserId: user.id,
      activeMembershipId: membership?.id ?? null,
      targetType: "user",
      targetId: user.id,
      requestId: ctx.requestId,
      ip: ctx.ip,
    };
    if (membership) {
      await withTenant(ctx.db, { institutionId: membership.institution_id, userId: user.id }, (trx) =>
        appendAuditEvent(trx, signedIn),
      );
    } else {
      await withPlatformScope(ctx.db, (trx) => appendAuditEvent(trx, signedIn));
    }
    return toSessionView({
      actingAs: null,
      user: { id: user.id, email: user.email, displayName: user.display_name },
      membership,
      absoluteExpiresAt: session.absoluteExpiresAt,
    });
  }),

  /**
   * Ends this session and clears its cookie. A session an identity provider started, where it has a single
   * logout address, also answers `singleLogoutUrl`: the app sends the browser there so the identity provider
   * ends its own session too.
   */
  signOut: authedProcedure.mutation(async ({ ctx }) => {
    let singleLogoutUrl: string | null = null;
    if (ctx.session.samlInstitutionId) {
      singleLogoutUrl = await endSessionWithSingleLogout(ctx, {
        sessionId: ctx.session.id,
        requestId: ctx.requestId,
        ip: ctx.ip,
      });
    } else {
      await deleteSession(ctx.db, ctx.session.id);
    }
    ctx.responseHeaders.append("Set-Cookie", serializeBlankSessionCookie({ secure: ctx.secureCookies }));
    return { signedOut: true, singleLogoutUrl };
  }),

  /** Ends every session of the signed-in person, on every device; returns how many ended. */
  signOutEverywhere: authedProcedure.mutation(async ({ ctx }) => {
    if (ctx.session.actingAs) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Stop acting as ${ctx.session.user.displayName} before signing out everywhere`,
      });
    }
    const ended = await deleteUserSessions(ctx.db, ctx.session.user.id);
    ctx.responseHeaders.append("Set-Cookie", serializeBlankSessionCookie({ secure: ctx.secureCookies }));
    return { sessionsEnded: ended };
  }),
});
