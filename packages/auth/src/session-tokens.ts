import { hash } from "node:crypto";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

/**
 * 20 random bytes = 160 bits, as in Lucia's design: far beyond guessing, and it encodes to exactly 32
 * base32 characters (160 / 5) with no padding, so every token has one length we can check cheaply.
 */
export const secretTokenBytes = 20;
export const secretTokenLength = 32;

const secretTokenPattern = /^[a-z2-7]{32}$/;

/**
 * A fresh single-use secret (password reset, email verification): shown or sent once, stored only as
 * `hashSecretToken(token)`, so a database leak yields nothing that can be presented back to us.
 */
export function generateSecretToken(): string {
  const bytes = new Uint8Array(secretTokenBytes);
  crypto.getRandomValues(bytes);
  return encodeBase32LowerCaseNoPadding(bytes);
}

/**
 * SHA-256 (hex) of the token's UTF-8 bytes. A plain fast hash is enough here, unlike for passwords: the
 * token has 160 bits of entropy, so there is nothing to brute-force and no need for a salt.
 */
export function hashSecretToken(token: string): string {
  // Node's one-shot native hash: every request with a session cookie computes one.
  return hash("sha256", token, "hex");
}

/** True when the value has the shape of a token we issued (32 lowercase base32 characters). */
export function isWellFormedSecretToken(value: string): boolean {
  return secretTokenPattern.test(value);
}

/**
 * How long a single-use token stays valid, by the `purpose` it is stored under. A reset link is a key to
 * the account, so it lasts one hour (long enough to reach the inbox); confirming an address grants
 * nothing by itself, so that link lasts two days, time to find it after a weekend.
 */
export const singleUseTokenLifetimeSeconds = {
  password_reset: 60 * 60,
  email_verification: 2 * 24 * 60 * 60,
} as const;

export type SingleUseTokenPurpose = keyof typeof singleUseTokenLifetimeSeconds;

/** When a single-use token issued at `now` stops being accepted. */
export function singleUseTokenExpiry(purpose: SingleUseTokenPurpose, now: Date): Date {
  return new Date(now.getTime() + singleUseTokenLifetimeSeconds[purpose] * 1000);
}

/**
 * How long an invitation (the link that lets a person an admin added choose their first password) stays
 * valid: seven days, as people are often added days before they start. It is stored under the
 * `password_reset` purpose, so the one page and procedure that set passwords accept it, but only ever for an
 * account that has no password yet; choosing or changing a password, or a newer invitation, revokes it.
 */
export const invitationLifetimeSeconds = 7 * 24 * 60 * 60;

/** When an invitation issued at `now` stops being accepted. */
export function invitationExpiry(now: Date): Date {
  return new Date(now.getTime() + invitationLifetimeSeconds * 1000);
}

/** The token that travels in the session cookie; see `sessionIdFromToken` for what is stored. */
export function generateSessionToken(): string {
  return generateSecretToken();
}

/** The session row's id: the token's hash, so only someone holding the cookie can present the session. */
export function sessionIdFromToken(token: string): string {
  return hashSecretToken(token);
}
