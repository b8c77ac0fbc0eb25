import { getConnInfo } from "@hono/node-server/conninfo";
import { trpcServer } from "@hono/trpc-server";
import { type AccessChangeReport, type ApiServices, createContext } from "@learnops/api/context";
import { receiveEnrolmentUpload } from "@learnops/api/enrolment-upload";
import { receivePaymentEvent } from "@learnops/api/payments";
import { recordProgressEvents } from "@learnops/api/progress-recording";
import { checkPlatformStatus } from "@learnops/api/readiness";
import { lazyChildLogger } from "@learnops/api/request-log";
import { appRouter } from "@learnops/api/root";
import { type ProgressRecorder, receiveXapiStatements } from "@learnops/api/xapi-statements";
import { isSafeMethod, isTrustedMutationOrigin } from "@learnops/auth/csrf";
import { maxStatementsBodyBytes, xapiVersion } from "@learnops/contracts/xapi";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { Logger } from "pino";
import { mountDemoIdentityProvider } from "./demo-idp-routes.ts";
import { mountSamlRoutes } from "./saml-routes.ts";
import { mountWebApps } from "./web-apps.ts";

export interface ServerOptions {
  services: ApiServices;
  log: Logger;
  /** Folder holding the web apps' builds; null serves none (API only). */
  webAppsDir: string | null;
  /** Whether session cookies carry Secure; false only for local development over plain HTTP. */
  secureCookies?: boolean;
  /** Origins besides the API's own allowed to send cookie-authenticated mutations. */
  trustedOrigins?: readonly string[];
  /** The payment provider's signing secret; without one, /webhooks/payments answers 503. */
  paymentWebhookSecret?: string | null;
  /** Serve the demo identity provider at /demo-idp/ (demo mode only; its key pair is public). */
  demoIdentityProvider?: boolean;
}

type ServerEnv = { Variables: { requestId: string; log: Logger } };

/** Each request's report of what its procedures changed for the access cache (read by the settle below). */
const accessChangesOf = new WeakMap<Request, AccessChangeReport>();

/** The peer's address; null when the request did not arrive over a socket (in-process calls in tests). */
function clientAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** How many procedures a tRPC path names (`/trpc/a.b` one, `/trpc/a.b,c.d` a batch of two). */
function trpcProcedureCount(path: string): number {
  return path.slice("/trpc/".length).split(",").length;
}

/** The HTTP surface: health and readiness, the tRPC API under /trpc, and the three web apps. */
export function createServer({
  services,
  log,
  webAppsDir,
  secureCookies = true,
  trustedOrigins = [],
  paymentWebhookSecret = null,
  demoIdentityProvider = false,
}: ServerOptions): Hono<ServerEnv> {
  const app = new Hono<ServerEnv>();

  // A caller's X-Request-Id is kept (so ids follow a request across services) when it is short and plain.
  app.use(requestId({ limitLength: 64 }));
  app.use(async (c, next) => {
    const requestLog = lazyChildLogger(log, { requestId: c.get("requestId") });
    c.set("log", requestLog);
    const started = performance.now();
    await next();
    // tRPC and static files answer with Responses of their own; the id is added to whatever went out.
    c.res.headers.set("X-Request-Id", c.get("requestId"));
    requestLog.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round(performance.now() - started),
      },
      "request",
    );
  });
  app.use(secureHeaders({ crossOriginEmbedderPolicy: false }));

  // A request that may have changed something answers only once this instance's access cache has applied
  // every change committed so far: the same person's next request here sees the change (a sign-out, a
  // role switch, a suspension). Other instances apply it as their notification arrives.
  const accessCache = services.accessCache;
  if (accessCache) {
    app.use(async (c, next) => {
      const accessChanges: AccessChangeReport = { quietMutations: 0 };
      accessChangesOf.set(c.req.raw, accessChanges);
      await next();
      if ((c.req.method !== "GET" && c.req.method !== "HEAD") || c.req.path.startsWith("/auth/")) {
        // Unless every procedure of a tRPC request declared that it announced nothing (a progress event
        // that completed nothing): then there is nothing for this instance to apply before answering.
        // xAPI statements count as one mutation.
        const mutations = c.req.path.startsWith("/trpc/")
          ? trpcProcedureCount(c.req.path)
          : c.req.path === "/xapi/statements"
            ? 1
            : null;
        if (accessChanges.quietMutations === mutations) return;
        await accessCache.settle();
      }
    });
  }

  /** The process is up. Says nothing of its dependencies: that is /ready. */
  app.get("/health", (c) => c.json({ status: "ok" }));

  /** The process can do its work: the database and the job queue both answer. */
  app.get("/ready", async (c) => {
    const status = await checkPlatformStatus(services);
    const ready = status.database === "up" && status.jobQueue === "up";
    return c.json({ ready, ...status }, ready ? 200 : 503);
  });

  // Cookie-authenticated mutations must come from our own pages (or a trusted origin): a cross-site form
  // or script cannot ride on a signed-in person's cookie.
  const sameOriginMutations = async (c: Context<ServerEnv>, next: () => Promise<void>) => {
    // Safe methods pass whatever they carry: decided before reading any header or parsing the URL, as
    // every lesson open is such a request.
    if (isSafeMethod(c.req.method) || !c.req.header("cookie")) return next();
    const verdict = isTrustedMutationOrigin({
      method: c.req.method,
      origin: c.req.header("origin") ?? null,
      referer: c.req.header("referer") ?? null,
      host: c.req.header("host") ?? null,
      protocol: new URL(c.req.url).protocol === "https:" ? "https" : "http",
      trustedOrigins,
    });
    if (verdict.trusted) return next();
    c.get("log").warn({ reason: verdict.reason, presented: verdict.presented }, "cross-site mutation refused");
    return c.json(
      {
        error: {
          message: "This request did not come from a LearnOps page",
          data: { code: "FORBIDDEN", httpStatus: 403, requestId: c.get("requestId") },
        },
      },
      403,
    );
  };
  app.use("/trpc/*", sameOriginMutations);
  app.use("/imports/*", sameOriginMutations);
  app.use(
    "/trpc/*",
    trpcServer({
      router: appRouter,
      endpoint: "/trpc",
      createContext: (options, c) =>
        createContext(services, {
          request: c.req.raw,
          requestId: c.get("requestId"),
          log: c.get("log"),
          responseHeaders: options.resHeaders,
          ip: clientAddress(c),
          secureCookies,
          accessChanges: accessChangesOf.get(c.req.raw),
        }),
    }),
  );

  /** Bulk enrolment uploads: the CSV body is streamed into `imports.upload` (the dry run); see docs/api.md. */
  app.post("/imports/enrolments", async (c) => {
    const answer = await receiveEnrolmentUpload(
      services,
      {
        request: c.req.raw,
        requestId: c.get("requestId"),
        log: c.get("log"),
        responseHeaders: new Headers(),
        ip: clientAddress(c),
        secureCookies,
      },
      { kind: c.req.query("kind"), clientGroupId: c.req.query("clientGroupId"), fileName: c.req.query("fileName") },
    );
    return c.json(answer.body, answer.status as 200);
  });

  /** The payment provider's signed events (see docs/security.md, "Payment webhook"); logic in @learnops/api. */
  app.post(
    "/webhooks/payments",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: (c) => c.json({ error: "PAYLOAD_TOO_LARGE", message: "An event has at most 64 KiB" }, 413),
    }),
    async (c) => {
      if (!paymentWebhookSecret)
        return c.json({ error: "SERVICE_UNAVAILABLE", message: "payments not configured" }, 503);
      const answer = await receivePaymentEvent(services.db, {
        secret: paymentWebhookSecret,
        signatureHeader: c.req.header("learnops-signature"),
        rawBody: await c.req.text(),
        now: new Date(),
        log: c.get("log"),
        requestId: c.get("requestId"),
      });
      return c.json(answer.body, answer.status);
    },
  );

  // xAPI statement intake for external content and video tools (see docs/api.md, "xAPI statements").
  // Authenticated by an institution's API key, never a cookie, so no same-origin check applies.
  app.use("/xapi/*", async (c, next) => {
    await next();
    c.res.headers.set("X-Experience-API-Version", xapiVersion);
  });
  const statementsBodyLimit = bodyLimit({
    maxSize: maxStatementsBodyBytes,
    onError: (c) =>
      c.json(
        {
          error: "PAYLOAD_TOO_LARGE",
          message: `A request has at most ${maxStatementsBodyBytes / 1024 / 1024} MiB of statements`,
          requestId: c.get("requestId"),
        },
        413,
      ),
  });
  const receiveStatements = async (c: Context<ServerEnv>, method: "POST" | "PUT") => {
    // The progress engine as the portal's recording uses it: access facts, courses and each learner's
    // progress from the access cache, and a statement that completes nothing answered without waiting for
    // the cache to settle. It emails a learner whose course a statement completes.
    const report = { accessChanged: false };
    const recordProgress: ProgressRecorder = (db, learner, events, source, now) =>
      recordProgressEvents(db, learner, events, source, now, { jobs: services.jobs, accessCache, report });
    const answer = await receiveXapiStatements(
      services.db,
      {
        method,
        authorization: c.req.header("authorization"),
        version: c.req.header("x-experience-api-version"),
        contentType: c.req.header("content-type"),
        rawBody: await c.req.text(),
        statementId: c.req.query("statementId"),
        publicUrl: services.publicUrl,
        now: new Date(),
        log: c.get("log"),
        requestId: c.get("requestId"),
        accessCache,
      },
      recordProgress,
    );
    const accessChanges = accessChangesOf.get(c.req.raw);
    if (accessChanges && !report.accessChanged) accessChanges.quietMutations += 1;
    for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
    if (answer.body === null) return c.body(null, 204);
    return c.json(answer.body, answer.status as 200);
  };
  app.post("/xapi/statements", statementsBodyLimit, (c) => receiveStatements(c, "POST"));
  app.put("/xapi/statements", statementsBodyLimit, (c) => receiveStatements(c, "PUT"));
  // Not a learning record store: statements are taken, never served back.
  app.on(["GET", "HEAD", "DELETE", "PATCH"], "/xapi/statements", (c) => {
    c.header("Allow", "POST, PUT");
    return c.json(
      {
        error: "METHOD_NOT_ALLOWED",
        message: "LearnOps takes statements (POST, PUT) and does not serve them back",
        requestId: c.get("requestId"),
      },
      405,
    );
  });
  /** Tools ask which versions the endpoint speaks before sending statements. */
  app.get("/xapi/about", (c) => c.json({ version: [xapiVersion] }));

  mountSamlRoutes(app, { services, secureCookies, clientAddress });
  if (demoIdentityProvider) {
    mountDemoIdentityProvider(app, { publicUrl: services.publicUrl });
    log.warn("serving the demo identity provider at /demo-idp/: demo mode only, never in production");
  }

  if (webAppsDir) {
    const missing = mountWebApps(app, webAppsDir);
    if (missing.length) log.warn({ missing }, "web apps not built; run `pnpm build` to serve them");
    app.get("/", (c) => c.redirect("/learn/"));
  }

  app.notFound((c) => c.json({ error: "NOT_FOUND", message: `Nothing at ${c.req.path}` }, 404));
  app.onError((error, c) => {
    c.get("log").error({ err: error }, "unhandled error");
    return c.json(
      { error: "INTERNAL_SERVER_ERROR", message: "Something went wrong on our side.", requestId: c.get("requestId") },
      500,
    );
  });
  return app;
}
