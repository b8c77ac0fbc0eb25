import { createHmac } from "node:crypto";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeHex } from "@oslojs/encoding";

/**
 * Signatures of incoming webhooks (the payment provider's events), in the scheme most providers use:
 * `LearnOps-Signature: t=<unix seconds>,v1=<hex>`, where v1 is HMAC-SHA256 of `${t}.${rawBody}` under the
 * shared secret. While the provider rotates its secret it signs with both and sends two v1 values: any one
 * that matches is enough. The timestamp is signed too, so an old event cannot be replayed with a fresh one,
 * and one outside the tolerance is refused.
 */

export const webhookSignatureHeader = "LearnOps-Signature";

/** How far the signed timestamp may be from our clock, either way. */
export const webhookToleranceSeconds = 300;

export type WebhookSignatureCheck =
  | { ok: true; timestamp: number }
  | {
      ok: false;
      reason: "missing_header" | "malformed_header" | "timestamp_out_of_tolerance" | "no_matching_signature";
      message: string;
    };

/** The hex HMAC-SHA256 of `${timestamp}.${rawBody}`: what the provider puts in v1. */
export function signWebhookPayload(secret: string, timestamp: number, rawBody: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest("hex");
}

/** A complete header value for `rawBody`, signed with each secret in turn (two during a rotation). */
export function webhookSignatureHeaderValue(secrets: readonly string[], timestamp: number, rawBody: string): string {
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${signWebhookPayload(secret, timestamp, rawBody)}`)].join(
    ",",
  );
}

function parseHeader(header: string): { timestamp: number; signatures: Uint8Array[] } | null {
  let timestamp: number | null = null;
  const signatures: Uint8Array[] = [];
  for (const part of header.split(",")) {
    const separator = part.indexOf("=");
    if (separator < 1) return null;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value) || timestamp !== null) return null;
      timestamp = Number(value);
    } else if (key === "v1") {
      // SHA-256 is 32 bytes: anything else cannot match, and is not worth comparing.
      if (!/^[0-9a-fA-F]{64}$/.test(value)) continue;
      signatures.push(decodeHex(value.toLowerCase()));
    }
    // Other schemes (v0, future versions) are ignored, as providers recommend.
  }
  if (timestamp === null) return null;
  return { timestamp, signatures };
}

/**
 * Checks a webhook's signature header against the raw body as received (before any parsing: re-serialised
 * JSON would not match). Every signature is compared in constant time, whichever matches.
 */
export function verifyWebhookSignature(options: {
  header: string | null | undefined;
  rawBody: string;
  secret: string;
  now: Date;
  toleranceSeconds?: number;
}): WebhookSignatureCheck {
  const { header, rawBody, secret, now, toleranceSeconds = webhookToleranceSeconds } = options;
  if (!header) {
    return { ok: false, reason: "missing_header", message: `The ${webhookSignatureHeader} header is missing` };
  }
  const parsed = parseHeader(header);
  if (!parsed) {
    return {
      ok: false,
      reason: "malformed_header",
      message: `The ${webhookSignatureHeader} header must read t=<unix seconds>,v1=<hex signature>`,
    };
  }
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - parsed.timestamp);
  if (skew > toleranceSeconds) {
    return {
      ok: false,
      reason: "timestamp_out_of_tolerance",
      message: `The signature's timestamp is ${skew} seconds from our clock; at most ${toleranceSeconds} are accepted`,
    };
  }
  const expected = decodeHex(signWebhookPayload(secret, parsed.timestamp, rawBody));
  let matched = false;
  for (const signature of parsed.signatures) {
    // No early exit: the time taken does not say which signature matched.
    if (constantTimeEqual(signature, expected)) matched = true;
  }
  if (!matched) {
    return {
      ok: false,
      reason: "no_matching_signature",
      message: "No v1 signature matches the body under our secret",
    };
  }
  return { ok: true, timestamp: parsed.timestamp };
}
