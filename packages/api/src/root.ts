import { accountRouter } from "./routers/account.ts";
import { apiKeysRouter } from "./routers/api-keys.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { clientGroupsRouter } from "./routers/client-groups.ts";
import { identityProvidersRouter } from "./routers/identity-providers.ts";
import { institutionsRouter } from "./routers/institutions.ts";
import { meRouter } from "./routers/me.ts";
import { membershipsRouter } from "./routers/memberships.ts";
import { operationsRouter } from "./routers/operations.ts";
import { peopleRouter } from "./routers/people.ts";
import { supportRouter } from "./routers/support.ts";
import { createCallerFactory, router } from "./trpc.ts";

export const appRouter = router({
  account: accountRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  auth: authRouter,
  clientGroups: clientGroupsRouter,
  identityProviders: identityProvidersRouter,
  me: meRouter,
  memberships: membershipsRouter,
  institutions: institutionsRouter,
  operations: operationsRouter,
  people: peopleRouter,
  support: supportRouter,
});

/** The API's type: the web apps import this (as a type only) to call procedures with checked inputs and outputs. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
