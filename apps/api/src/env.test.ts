import { describe, expect, it } from "vitest";
import { readApiEnv } from "./env.ts";

const database = { DATABASE_URL: "postgres://learnops_app@127.0.0.1:5432/learnops" };

describe("the API's environment", () => {
  it("points links in emails at the local port unless PUBLIC_URL says otherwise", () => {
    expect(readApiEnv({ ...database, PORT: "4100" }).PUBLIC_URL).toBe("http://localhost:4100");
    expect(readApiEnv({ ...database, PUBLIC_URL: "https://learn.example.edu" }).PUBLIC_URL).toBe(
      "https://learn.example.edu",
    );
    expect(() => readApiEnv({ ...database, PUBLIC_URL: "ftp://learn.example.edu" })).toThrow(
      "PUBLIC_URL must be an http:// or https:// address",
    );
  });

  it("reads the sign-in lockout policy, 10 failures an hour locking for 15 minutes by default", () => {
    expect(readApiEnv(database).accountLockout).toEqual({ maxFailures: 10, windowSeconds: 3600, lockSeconds: 900 });
    expect(
      readApiEnv({ ...database, SIGN_IN_LOCKOUT_FAILURES: "5", SIGN_IN_LOCKOUT_MINUTES: "30" }).accountLockout,
    ).toEqual({ maxFailures: 5, windowSeconds: 3600, lockSeconds: 1800 });
  });

  it("reads the payment webhook secret, optional, and refuses a short one", () => {
    expect(readApiEnv(database).PAYMENT_WEBHOOK_SECRET).toBeUndefined();
    expect(readApiEnv({ ...database, PAYMENT_WEBHOOK_SECRET: "whsec_0123456789abcdef" }).PAYMENT_WEBHOOK_SECRET).toBe(
      "whsec_0123456789abcdef",
    );
    expect(() => readApiEnv({ ...database, PAYMENT_WEBHOOK_SECRET: "short" })).toThrow(
      "PAYMENT_WEBHOOK_SECRET must be at least 16 characters",
    );
  });

  it("refuses a lockout policy that would let more than 100 guesses an hour through, naming the variable", () => {
    expect(() => readApiEnv({ ...database, SIGN_IN_LOCKOUT_FAILURES: "40", SIGN_IN_LOCKOUT_MINUTES: "5" })).toThrow(
      /SIGN_IN_LOCKOUT_FAILURES: The sign-in lockout would let more than 100 guesses per hour through/,
    );
  });
});
