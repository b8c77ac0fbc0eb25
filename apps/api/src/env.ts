import path from "node:path";
import { accessCacheDefaults } from "@learnops/api/access-cache";
import {
  type AccountLockoutPolicy,
  defaultAccountLockoutPolicy,
  maxFailuresPerHourCeiling,
  worstCaseFailuresPerHour,
} from "@learnops/auth/sign-in-throttle";
import { parseEnvironment } from "@learnops/contracts/environment";
import { z } from "zod";

const booleanFlag = z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1");

const apiEnv = z
  .object({
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "DATABASE_URL must be a postgres:// connection string" }),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().min(1).default("0.0.0.0"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Serve the built learner, instructor and admin apps at /learn/, /teach/ and /admin/. */
    SERVE_WEB_APPS: booleanFlag.default(true),
    /** Folder holding learner/, instructor/ and admin/ with their `dist/` builds; the repository's apps/ by default. */
    WEB_APPS_DIR: z
      .string()
      .min(1)
      .default(path.resolve(import.meta.dirname, "../..")),
    /** Session cookies carry Secure unless this is false (local development over plain HTTP). */
    COOKIE_SECURE: booleanFlag.default(true),
    /** Origins besides the API's own that may send cookie-authenticated mutations, comma-separated. */
    TRUSTED_ORIGINS: z
      .string()
      .default("")
      .transform((value) =>
        value
          .split(",")
          .map((origin) => origin.trim())
          .filter(Boolean),
      ),
    /**
     * The origin people reach the platform at (behind a proxy, the proxy's), for links in emails;
     * http://localhost:PORT by default.
     */
    PUBLIC_URL: z.url({ protocol: /^https?$/, error: "PUBLIC_URL must be an http:// or https:// address" }).optional(),
    /** Failed sign-ins within the window that lock an address (see docs/security.md). */
    SIGN_IN_LOCKOUT_FAILURES: z.coerce.number().int().min(1).default(defaultAccountLockoutPolicy.maxFailures),
    SIGN_IN_LOCKOUT_WINDOW_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(defaultAccountLockoutPolicy.windowSeconds / 60),
    /** How long a lock lasts. */
    SIGN_IN_LOCKOUT_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(defaultAccountLockoutPolicy.lockSeconds / 60),
    /** The payment provider's webhook signing secret; unset, /webhooks/payments answers 503. */
    PAYMENT_WEBHOOK_SECRET: z.string().min(16, "PAYMENT_WEBHOOK_SECRET must be at least 16 characters").optional(),
    /**
     * Serve the built-in demo identity provider at /demo-idp/ (Lakeside's "Sign in with" button). Only the
     * main job sets it, together with demo data; never in production: its key pair is public.
     */
    LEARNOPS_DEMO_IDP: booleanFlag.default(false),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    /**
     * Keep resolved sessions and learners' access facts in memory, evicted by the database's notifications
     * over one extra connection (see docs/operations.md, "Access cache"); false reads them on every request.
     */
    ACCESS_CACHE: booleanFlag.default(true),
    /** Sessions the access cache keeps at most (about 3.5 KB each). */
    ACCESS_CACHE_SESSIONS: z.coerce.number().int().min(0).default(accessCacheDefaults.maxSessions),
    /** Learner x lesson access facts the access cache keeps at most (about 3.5 KB each). */
    ACCESS_CACHE_FACTS: z.coerce.number().int().min(0).default(accessCacheDefaults.maxFacts),
    /** The longest the access cache keeps an entry, whatever the notifications say. */
    ACCESS_CACHE_TTL_SECONDS: z.coerce
      .number()
      .min(1)
      .max(3600)
      .default(accessCacheDefaults.ttlMs / 1000),
    /** Seconds a shutdown waits for requests and job sends in flight before it gives up. */
    SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(300).default(15),
  })
  .transform(({ SIGN_IN_LOCKOUT_FAILURES, SIGN_IN_LOCKOUT_WINDOW_MINUTES, SIGN_IN_LOCKOUT_MINUTES, ...env }) => ({
    ...env,
    accountLockout: {
      maxFailures: SIGN_IN_LOCKOUT_FAILURES,
      windowSeconds: SIGN_IN_LOCKOUT_WINDOW_MINUTES * 60,
      lockSeconds: SIGN_IN_LOCKOUT_MINUTES * 60,
    } satisfies AccountLockoutPolicy,
  }))
  .refine((env) => worstCaseFailuresPerHour(env.accountLockout) <= maxFailuresPerHourCeiling, {
    path: ["SIGN_IN_LOCKOUT_FAILURES"],
    message: `The sign-in lockout would let more than ${maxFailuresPerHourCeiling} guesses per hour through: lower SIGN_IN_LOCKOUT_FAILURES or lengthen the window and the lock`,
  });
export type ApiEnv = z.infer<typeof apiEnv> & { PUBLIC_URL: string };

/** Parses the API's environment once, at start; a bad value stops the process with a readable message. */
export function readApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  const env = parseEnvironment(apiEnv, source, "The API");
  return { ...env, PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${env.PORT}` };
}
