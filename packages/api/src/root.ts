import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { institutionsRouter } from "./routers/institutions.ts";
import { meRouter } from "./routers/me.ts";
import { operationsRouter } from "./routers/operations.ts";
import { supportRouter } from "./routers/support.ts";
import { createCallerFactory, router } from "./trpc.ts";

export const appRouter = router({
  audit: auditRouter,
  auth: authRouter,
  me: meRouter,
  institutions: institutionsRouter,
  operations: operationsRouter,
  support: supportRouter,
});

/** The API's type: the web apps import this (as a type only) to call procedures with checked inputs and outputs. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
