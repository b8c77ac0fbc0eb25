import type { AppRouter } from "@learnops/api/root";
import { isTRPCClientError } from "@trpc/client";

export interface ApiErrorDescription {
  /** What went wrong, in words meant for the person using the app. */
  message: string;
  /** The id the server gave the failed request; quoting it lets support find the log lines. */
  requestId: string | null;
  /** Whether asking again could succeed (network failures and server errors, not refusals). */
  retryable: boolean;
}

const unreachable = "LearnOps could not be reached. Check your connection and try again.";

/** Reads an error from a tRPC call: the API's own message and request id, or a plain network failure. */
export function describeApiError(error: unknown): ApiErrorDescription {
  if (isTRPCClientError<AppRouter>(error)) {
    const data = error.data;
    // No error data: the request never reached the API, or something else answered (a proxy's error page).
    if (!data) return { message: unreachable, requestId: null, retryable: true };
    return { message: error.message, requestId: data.requestId, retryable: data.httpStatus >= 500 };
  }
  if (error instanceof Error) return { message: error.message, requestId: null, retryable: true };
  return { message: "Something went wrong.", requestId: null, retryable: true };
}

/** The API's error code (`UNAUTHORIZED`, `TOO_MANY_REQUESTS`…), or null when no answer came back. */
export function apiErrorCode(error: unknown): string | null {
  return isTRPCClientError<AppRouter>(error) ? (error.data?.code ?? null) : null;
}

/** The fields a BAD_REQUEST named, by dotted path, each with what is wrong with it. */
export function apiFieldIssues(error: unknown): readonly { path: string; message: string }[] {
  return isTRPCClientError<AppRouter>(error) ? (error.data?.fieldIssues ?? []) : [];
}
