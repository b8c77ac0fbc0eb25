import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { describeApiError } from "./api-errors.ts";

function apiError(httpStatus: number, message: string) {
  return TRPCClientError.from({
    error: {
      code: -32004,
      message,
      data: { code: "NOT_FOUND", httpStatus, requestId: "7f0c6f2e-request", fieldIssues: null },
    },
  });
}

describe("describeApiError", () => {
  it("keeps the API's message and request id, and treats a refusal as final", () => {
    expect(describeApiError(apiError(404, 'Institution "x" was not found'))).toEqual({
      message: 'Institution "x" was not found',
      requestId: "7f0c6f2e-request",
      retryable: false,
    });
  });

  it("offers another try after a server error", () => {
    expect(describeApiError(apiError(500, "Something went wrong on our side")).retryable).toBe(true);
  });

  it("says the API could not be reached when no answer came back", () => {
    const description = describeApiError(TRPCClientError.from(new TypeError("Failed to fetch")));
    expect(description).toEqual({
      message: "LearnOps could not be reached. Check your connection and try again.",
      requestId: null,
      retryable: true,
    });
  });
});
