import { describe, expect, it } from "vitest";
import { keyRenewalDue, keyRenewalLeadDays } from "./service-provider-keys.ts";

const now = new Date("2031-06-01T12:00:00.000Z");
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000).toISOString();

describe("when the service provider's key needs renewing", () => {
  it("asks for nothing while the current certificate has more than the lead time left, or with no current key", () => {
    expect(keyRenewalDue([{ status: "current", notAfter: inDays(keyRenewalLeadDays + 1) }], now)).toEqual({
      step: "none",
    });
    expect(keyRenewalDue([{ status: "next", notAfter: inDays(5) }], now)).toEqual({ step: "none" });
  });

  it("asks for the next key within the lead time, counting the days left", () => {
    expect(keyRenewalDue([{ status: "current", notAfter: inDays(30) }], now)).toEqual({
      step: "prepare",
      expiresAt: inDays(30),
      daysLeft: 30,
    });
    // A part of a day left counts as a day.
    expect(keyRenewalDue([{ status: "current", notAfter: inDays(0.25) }], now)).toMatchObject({ daysLeft: 1 });
  });

  it("asks for the switch once a next key that outlives the current one is prepared", () => {
    const current = { status: "current" as const, notAfter: inDays(20) };
    expect(keyRenewalDue([current, { status: "next", notAfter: inDays(1_800) }], now)).toEqual({
      step: "switch",
      expiresAt: inDays(20),
      daysLeft: 20,
    });
    // A next key that runs out no later than the current one is no way out.
    expect(keyRenewalDue([current, { status: "next", notAfter: inDays(20) }], now)).toMatchObject({ step: "prepare" });
  });

  it("says so once the current certificate has run out", () => {
    expect(keyRenewalDue([{ status: "current", notAfter: inDays(-1) }], now)).toEqual({
      step: "expired",
      expiresAt: inDays(-1),
    });
  });
});
