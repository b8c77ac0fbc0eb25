// Resend's HTTP API as the tests see it: msw intercepts `POST https://api.resend.com/emails` in this process,
// records each request and answers like Resend. Anything else the code under test fetches is an error, so
// no request of a test ever reaches the network.
import { randomUUID } from "node:crypto";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { resendApiBaseUrl } from "../transport.ts";

/** The fields of Resend's send-email body that our transport fills in. */
export interface ResendEmailBody {
  from: string;
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
}

export interface ResendRequest {
  authorization: string | null;
  idempotencyKey: string | null;
  body: ResendEmailBody;
  /** The id Resend answered with; null when it answered with an error. */
  answeredId: string | null;
}

export interface ResendMock {
  /** Every request Resend received, in order (refused ones included). */
  readonly requests: ResendRequest[];
  /** Answers the next `count` requests with this HTTP status and Resend's error body. */
  failNext(count: number, status?: number): void;
}

/**
 * Starts intercepting for the current test file (msw 3: `onUnhandledFrame: "error"`; the older
 * `onUnhandledRequest` option is silently ignored and would let unhandled requests through). Requests are
 * forgotten after each test.
 */
export function mockResend(): ResendMock {
  const requests: ResendRequest[] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };

  const server = setupServer(
    http.post(`${resendApiBaseUrl}/emails`, async ({ request }) => {
      const recorded: ResendRequest = {
        authorization: request.headers.get("authorization"),
        idempotencyKey: request.headers.get("idempotency-key"),
        body: (await request.json()) as ResendEmailBody,
        answeredId: null,
      };
      requests.push(recorded);
      if (failures.count > 0) {
        failures = { ...failures, count: failures.count - 1 };
        return HttpResponse.json(
          {
            statusCode: failures.status,
            name: failures.status >= 500 ? "internal_server_error" : "validation_error",
            message: "The mock Resend refused this request",
          },
          { status: failures.status },
        );
      }
      recorded.answeredId = randomUUID();
      return HttpResponse.json({ id: recorded.answeredId });
    }),
  );

  beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
  afterEach(() => {
    requests.length = 0;
    failures = { count: 0, status: 500 };
  });
  afterAll(() => server.close());

  return {
    requests,
    failNext(count, status = 500) {
      failures = { count, status };
    },
  };
}
