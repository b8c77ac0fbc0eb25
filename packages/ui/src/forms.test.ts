import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { changePasswordHref, forgotPasswordHref } from "./account-links.ts";
import { problemsFromApiError, problemsFromIssues } from "./forms.tsx";

const fields = ["newPassword", "confirmPassword"] as const;

function badRequest(message: string, fieldIssues: { path: string; message: string }[] | null) {
  return TRPCClientError.from({
    error: {
      code: -32600,
      message,
      data: { code: "BAD_REQUEST", httpStatus: 400, requestId: "3c1e-request", fieldIssues },
    },
  });
}

describe("form problems", () => {
  it("puts the first message for each field beside it, and an issue naming no field in the summary", () => {
    expect(
      problemsFromIssues(
        [
          { path: ["newPassword"], message: "Use at least 12 characters" },
          { path: ["newPassword"], message: "a second message for the same field" },
          { path: ["token"], message: "This reset link is incomplete" },
        ],
        fields,
      ),
    ).toEqual({ fields: { newPassword: "Use at least 12 characters" }, general: "This reset link is incomplete" });
  });

  it("reads the API's field issues by dotted path, and otherwise its message", () => {
    expect(
      problemsFromApiError(
        badRequest("Invalid input: newPassword: Use at least 12 characters", [
          { path: "newPassword", message: "Use at least 12 characters" },
        ]),
        fields,
      ),
    ).toEqual({ fields: { newPassword: "Use at least 12 characters" }, general: null });
    expect(problemsFromApiError(badRequest("This reset link has expired or was already used.", null), fields)).toEqual({
      fields: {},
      general: "This reset link has expired or was already used.",
    });
  });
});

describe("account links", () => {
  it("lead to the learner portal's forgot-password page, branded when an institution is known", () => {
    expect(forgotPasswordHref()).toBe("/learn/account/forgot-password");
    expect(forgotPasswordHref("lakeside-college")).toBe("/learn/account/forgot-password?institution=lakeside-college");
    expect(changePasswordHref("/teach/")).toBe("/teach/account/password");
  });
});
