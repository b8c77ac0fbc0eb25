// Tests for @learnops/contracts/auth, kept here while packages/auth is the only user of those schemas.

import {
  apiKeyScope,
  email,
  newPassword,
  requestPasswordResetInput,
  resetPasswordInput,
  role,
  signInInput,
} from "@learnops/contracts/auth";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { generateSecretToken } from "./session-tokens.ts";

function messages(result: z.ZodSafeParseResult<unknown>): string {
  return result.error?.issues.map((issue) => issue.message).join(" | ") ?? "";
}

describe("email", () => {
  it("trims and lowercases, so one person has one address", () => {
    expect(email.parse("  Ada.Lovelace@Example.ORG ")).toBe("ada.lovelace@example.org");
  });

  it.each([
    ["", "Enter your email address"],
    ["   ", "Enter your email address"],
    ["ada", "like name@example.org"],
    ["ada@", "like name@example.org"],
    ["ada@example", "like name@example.org"],
    ["ada lovelace@example.org", "like name@example.org"],
    [`${"a".repeat(64)}@${"b".repeat(186)}.org`, "at most 254 characters"],
  ])("refuses %j, saying what to do", (value, message) => {
    const result = email.safeParse(value);
    expect(result.success).toBe(false);
    expect(messages(result)).toContain(message);
  });

  it("gives one message for an over-long address, not a second about its format", () => {
    expect(email.safeParse(`${"a".repeat(300)}@example.org`).error?.issues).toHaveLength(1);
  });
});

describe("newPassword", () => {
  it.each([
    "correct horse battery staple",
    "twelve chars",
    "ééééééééééé!",
    "🙂🙃🙂🙃🙂🙃🙂🙃🙂🙃🙂🙃",
    `${"x".repeat(255)}y`,
  ])("accepts %j: no composition rules", (value) => {
    expect(newPassword.safeParse(value).success).toBe(true);
  });

  it("counts characters, not UTF-16 units: six emoji are six characters", () => {
    const result = newPassword.safeParse("🙂🙃🙂🙃🙂🙃");
    expect("🙂🙃🙂🙃🙂🙃".length).toBe(12);
    expect(messages(result)).toContain("at least 12 characters");
  });

  it.each([
    ["", "at least 12 characters"],
    ["elevenchars", "at least 12 characters"],
    ["a".repeat(257), "at most 256 characters"],
    ["aaaaaaaaaaaa", "more than one repeated character"],
    ["            ", "more than one repeated character"],
    ["🙂".repeat(12), "more than one repeated character"],
  ])("refuses %j, saying what to do", (value, message) => {
    const result = newPassword.safeParse(value);
    expect(result.success).toBe(false);
    expect(messages(result)).toContain(message);
  });
});

describe("signInInput", () => {
  it("accepts any current password, even one the new-password rules would refuse", () => {
    expect(signInInput.parse({ email: "Ada@Example.org", password: "short" })).toEqual({
      email: "ada@example.org",
      password: "short",
    });
    expect(
      signInInput.parse({ email: "ada@example.org", password: "aaaa", institutionSlug: "northwind-health" })
        .institutionSlug,
    ).toBe("northwind-health");
  });

  it("refuses an empty or over-long password and a malformed institution slug", () => {
    expect(messages(signInInput.safeParse({ email: "ada@example.org", password: "" }))).toContain(
      "Enter your password",
    );
    expect(signInInput.safeParse({ email: "ada@example.org", password: "a".repeat(257) }).success).toBe(false);
    // 256 emoji are 256 characters: whatever a new password may be, sign-in accepts.
    expect(signInInput.safeParse({ email: "ada@example.org", password: "🙂".repeat(256) }).success).toBe(true);
    expect(
      signInInput.safeParse({ email: "ada@example.org", password: "x", institutionSlug: "North Wind" }).success,
    ).toBe(false);
  });
});

describe("password reset", () => {
  it("asks for an email and normalises it", () => {
    expect(requestPasswordResetInput.parse({ email: " ADA@example.org" })).toEqual({ email: "ada@example.org" });
  });

  it("accepts a token we issue with a new password that meets the rules", () => {
    const token = generateSecretToken();
    expect(resetPasswordInput.parse({ token, newPassword: "a long enough passphrase" })).toEqual({
      token,
      newPassword: "a long enough passphrase",
    });
  });

  it("refuses a mangled token and a weak new password, naming each field", () => {
    const result = resetPasswordInput.safeParse({ token: "ABC-DEF", newPassword: "short" });
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["token", "newPassword"]);
    expect(messages(result)).toContain("ask for a new one");
  });
});

describe("role and apiKeyScope", () => {
  it("list exactly the roles and scopes of the design", () => {
    expect(role.options).toEqual([
      "learner",
      "instructor",
      "course_admin",
      "support_agent",
      "client_manager",
      "platform_admin",
    ]);
    expect(apiKeyScope.options).toEqual(["xapi:write", "enrolments:read", "enrolments:write", "reports:read"]);
    expect(role.safeParse("admin").success).toBe(false);
    expect(apiKeyScope.safeParse("xapi:read").success).toBe(false);
  });
});
