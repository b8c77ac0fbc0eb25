import type { ApiKeyScope } from "@learnops/contracts/auth";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { hashSecretToken } from "./session-tokens.ts";

/**
 * Machine clients (an institution's LMS bridge, an xAPI source, a reporting job) authenticate with a key
 * shown once at creation: `lo_<publicId>_<secret>`. The prefix makes a leaked key recognisable to secret
 * scanners; the public id, stored in clear, finds the row; the secret is stored only as its SHA-256.
 */
export const apiKeyPrefix = "lo_";

/** 12 base32 characters = 60 bits: enough to never collide across institutions, short enough to quote. */
export const apiKeyPublicIdLength = 12;

/** 32 random bytes = 256 bits, which base32 writes in 52 characters (the last one carries 1 bit). */
export const apiKeySecretBytes = 32;
export const apiKeySecretLength = 52;

const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
const apiKeyPattern = /^lo_([a-z2-7]{12})_([a-z2-7]{52})$/;
const sha256HexPattern = /^[0-9a-f]{64}$/;

export interface GeneratedApiKey {
  /** The whole key, to show the administrator once and never store. */
  key: string;
  publicId: string;
  /** Hex SHA-256 of the secret part: what the row keeps. */
  secretHash: string;
}

function randomPublicId(): string {
  const bytes = new Uint8Array(apiKeyPublicIdLength);
  crypto.getRandomValues(bytes);
  // 256 is a multiple of 32, so taking each byte modulo 32 picks every character with equal chance.
  return Array.from(bytes, (byte) => base32Alphabet[byte % 32]).join("");
}

export function generateApiKey(): GeneratedApiKey {
  const publicId = randomPublicId();
  const secretBytes = new Uint8Array(apiKeySecretBytes);
  crypto.getRandomValues(secretBytes);
  const secret = encodeBase32LowerCaseNoPadding(secretBytes);
  return { key: `${apiKeyPrefix}${publicId}_${secret}`, publicId, secretHash: hashSecretToken(secret) };
}

/** The two parts of a presented key, or null for anything that is not exactly of our format. */
export function parseApiKey(presented: string): { publicId: string; secret: string } | null {
  const match = apiKeyPattern.exec(presented);
  if (!match) return null;
  const [, publicId, secret] = match;
  if (publicId === undefined || secret === undefined) return null;
  return { publicId, secret };
}

/**
 * Whether a presented secret is the one whose hash is stored, compared in constant time so response
 * timing tells an attacker nothing about how close a guess came.
 */
export function apiKeySecretMatches(secret: string, storedHash: string): boolean {
  if (!sha256HexPattern.test(storedHash)) return false;
  const encoder = new TextEncoder();
  return constantTimeEqual(encoder.encode(hashSecretToken(secret)), encoder.encode(storedHash));
}

export function hasScope(granted: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  return granted.includes(needed);
}
