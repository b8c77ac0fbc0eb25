import type { Logger } from "pino";
import { Resend } from "resend";
import type { EmailEnv } from "./env.ts";

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SendOptions {
  /** Same key, same message: the provider sends it once however often it is asked (24 h at Resend). */
  idempotencyKey: string;
  log: Logger;
}

/** How messages leave the platform. `name` is recorded on each sent outbox row. */
export interface EmailTransport {
  readonly name: "resend" | "log";
  /** Resolves with the provider's id for the message; rejects when it was not accepted. */
  send(message: OutgoingEmail, options: SendOptions): Promise<{ providerMessageId: string | null }>;
}

/** The provider refused or could not be reached; `statusCode` is null when no answer came back. */
export class EmailSendError extends Error {
  readonly statusCode: number | null;
  readonly providerCode: string;
  constructor(message: string, statusCode: number | null, providerCode: string) {
    super(message);
    this.name = "EmailSendError";
    this.statusCode = statusCode;
    this.providerCode = providerCode;
  }
}

export const resendApiBaseUrl = "https://api.resend.com";

/** Sends through Resend's HTTP API (`POST /emails`). */
export function createResendTransport(settings: { apiKey: string; from: string }): EmailTransport {
  // The base URL is given so the SDK does not pick one up from the environment behind our back.
  const resend = new Resend(settings.apiKey, { baseUrl: resendApiBaseUrl });
  return {
    name: "resend",
    async send(message, options) {
      const { data, error } = await resend.emails.send(
        { from: settings.from, to: message.to, subject: message.subject, text: message.text, html: message.html },
        { idempotencyKey: options.idempotencyKey },
      );
      if (error) {
        throw new EmailSendError(
          `Resend refused the message (${error.statusCode ?? "no response"} ${error.name}): ${error.message}`,
          error.statusCode,
          error.name,
        );
      }
      return { providerMessageId: data.id };
    },
  };
}

/**
 * Development without a provider: the message goes to the log, links included, so the whole flow (reset,
 * verification) can be followed offline. Says plainly that nothing was sent.
 */
export function createLogTransport(settings: { from: string }): EmailTransport {
  return {
    name: "log",
    async send(message, options) {
      options.log.warn(
        {
          email: { from: settings.from, to: message.to, subject: message.subject, text: message.text },
          idempotencyKey: options.idempotencyKey,
        },
        "email NOT sent: RESEND_API_KEY is not set, so the message was only written to this log",
      );
      return { providerMessageId: null };
    },
  };
}

/** The transport the settings call for: Resend with an API key, the log without one. */
export function createEmailTransport(env: EmailEnv): EmailTransport {
  return env.transport === "resend"
    ? createResendTransport({ apiKey: env.apiKey, from: env.from })
    : createLogTransport({ from: env.from });
}
