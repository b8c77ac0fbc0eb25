import { parseEnvironment } from "@learnops/contracts/environment";
import { z } from "zod";

/** `Name <address@example.org>` or a bare address, as Resend accepts in `from`. */
const senderPattern = /^(?:[^<>\r\n]+ <[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+>|[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)$/;

/** An unset variable and an empty one mean the same: not configured. */
const optional = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

/** Used only when no provider is configured: nothing leaves the machine, so the address need not exist. */
export const developmentSender = "LearnOps <no-reply@learnops.localhost>";

const emailEnv = z
  .object({
    /** Resend's API key. Without it, messages are written to the log instead of being sent (development). */
    RESEND_API_KEY: optional(z.string().trim().startsWith("re_", "RESEND_API_KEY must be a Resend API key (re_…)")),
    /** The sender, on a domain verified with Resend: `LearnOps <no-reply@learn.example.org>`. */
    EMAIL_FROM: optional(
      z.string().trim().regex(senderPattern, "EMAIL_FROM must look like `Name <address@example.org>` or an address"),
    ),
  })
  .superRefine((env, ctx) => {
    // A provider rejects mail from an unverified domain: a made-up default would fail every message.
    if (env.RESEND_API_KEY && !env.EMAIL_FROM)
      ctx.addIssue({
        code: "custom",
        path: ["EMAIL_FROM"],
        message: "EMAIL_FROM is required with RESEND_API_KEY (a sender on a domain verified with Resend)",
      });
  })
  .transform((env) =>
    env.RESEND_API_KEY
      ? { transport: "resend" as const, apiKey: env.RESEND_API_KEY, from: env.EMAIL_FROM ?? "" }
      : { transport: "log" as const, from: env.EMAIL_FROM ?? developmentSender },
  );
export type EmailEnv = z.infer<typeof emailEnv>;

/** Parses the email settings once, where a process starts its delivery; a bad value stops it with a readable message. */
export function readEmailEnv(source: NodeJS.ProcessEnv = process.env): EmailEnv {
  return parseEnvironment(emailEnv, source, "Email delivery");
}
