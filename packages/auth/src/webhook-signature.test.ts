import { describe, expect, it } from "vitest";
import { signWebhookPayload, verifyWebhookSignature, webhookSignatureHeaderValue } from "./webhook-signature.ts";

const secret = "whsec_current";
const body = '{"id":"evt_1","type":"payment.succeeded"}';
const now = new Date("2026-12-01T12:00:00Z");
const t = Math.floor(now.getTime() / 1000);

describe("verifyWebhookSignature", () => {
  it("accepts a body signed with the secret at a recent timestamp", () => {
    const header = webhookSignatureHeaderValue([secret], t - 10, body);
    expect(verifyWebhookSignature({ header, rawBody: body, secret, now })).toEqual({ ok: true, timestamp: t - 10 });
  });

  it("signs the timestamp and the raw body: HMAC-SHA256 of '<t>.<body>' in hex", () => {
    // Computed independently: printf '%s' '1764590400.<body>' | openssl dgst -sha256 -hmac whsec_current
    expect(signWebhookPayload(secret, 1764590400, body)).toBe(
      "a133a459f355ee9ffe2401e9aaf8485c94ff48f235f2bd462581ecc1e2175de1",
    );
    expect(signWebhookPayload(secret, 1764590400, body)).not.toBe(signWebhookPayload(secret, 1764590401, body));
    expect(signWebhookPayload(secret, 1764590400, body)).not.toBe(signWebhookPayload(secret, 1764590400, `${body} `));
  });

  it("accepts any one matching v1 among several (secret rotation), in either order", () => {
    for (const secrets of [
      ["whsec_old", secret],
      [secret, "whsec_old"],
    ]) {
      const header = webhookSignatureHeaderValue(secrets, t, body);
      expect(verifyWebhookSignature({ header, rawBody: body, secret, now }).ok).toBe(true);
    }
  });

  it("refuses each problem with its own reason", () => {
    const check = (header: string | null, rawBody = body) => verifyWebhookSignature({ header, rawBody, secret, now });
    expect(check(null)).toMatchObject({ ok: false, reason: "missing_header" });
    expect(check("")).toMatchObject({ ok: false, reason: "missing_header" });
    expect(check("v1=abc")).toMatchObject({ ok: false, reason: "malformed_header" });
    expect(check("t=soon,v1=abc")).toMatchObject({ ok: false, reason: "malformed_header" });
    expect(check("garbage")).toMatchObject({ ok: false, reason: "malformed_header" });
    expect(check(webhookSignatureHeaderValue([secret], t - 301, body))).toMatchObject({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
    expect(check(webhookSignatureHeaderValue([secret], t + 301, body))).toMatchObject({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
    expect(check(webhookSignatureHeaderValue(["whsec_wrong"], t, body))).toMatchObject({
      ok: false,
      reason: "no_matching_signature",
    });
    expect(check(webhookSignatureHeaderValue([secret], t, body), `${body}\n`)).toMatchObject({
      ok: false,
      reason: "no_matching_signature",
    });
    expect(check(`t=${t},v1=${"0".repeat(63)}`)).toMatchObject({ ok: false, reason: "no_matching_signature" });
    expect(check(`t=${t}`)).toMatchObject({ ok: false, reason: "no_matching_signature" });
  });

  it("accepts the edge of the tolerance window", () => {
    const header = webhookSignatureHeaderValue([secret], t - 300, body);
    expect(verifyWebhookSignature({ header, rawBody: body, secret, now }).ok).toBe(true);
  });
});
