import { accessRouter } from "./routers/access.ts";
import { accountRouter } from "./routers/account.ts";
import { apiKeysRouter } from "./routers/api-keys.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { clientGroupsRouter } from "./routers/client-groups.ts";
import { cohortsRouter } from "./routers/cohorts.ts";
import { contractsRouter } from "./routers/contracts.ts";
import { coursesRouter } from "./routers/courses.ts";
import { dashboardRouter } from "./routers/dashboard.ts";
import { enrolmentsRouter } from "./routers/enrolments.ts";
import { identityProvidersRouter } from "./routers/identity-providers.ts";
import { importsRouter } from "./routers/imports.ts";
import { institutionsRouter } from "./routers/institutions.ts";
import { learnersRouter } from "./routers/learners.ts";
import { meRouter } from "./routers/me.ts";
import { membershipsRouter } from "./routers/memberships.ts";
import { operationsRouter } from "./routers/operations.ts";
import { paymentsRouter } from "./routers/payments.ts";
import { peopleRouter } from "./routers/people.ts";
import { programsRouter } from "./routers/programs.ts";
import { progressRouter } from "./routers/progress.ts";
import { progressReportsRouter } from "./routers/progress-reports.ts";
import { promotionsRouter } from "./routers/promotions.ts";
import { supportRouter } from "./routers/support.ts";
import { createCallerFactory, router } from "./trpc.ts";

export const appRouter = router({
  access: accessRouter,
  account: accountRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  auth: authRouter,
  clientGroups: clientGroupsRouter,
  cohorts: cohortsRouter,
  contracts: contractsRouter,
  courses: coursesRouter,
  dashboard: dashboardRouter,
  enrolments: enrolmentsRouter,
  imports: importsRouter,
  learners: learnersRouter,
  identityProviders: identityProvidersRouter,
  me: meRouter,
  memberships: membershipsRouter,
  institutions: institutionsRouter,
  operations: operationsRouter,
  payments: paymentsRouter,
  people: peopleRouter,
  programs: programsRouter,
  progress: progressRouter,
  progressReports: progressReportsRouter,
  promotions: promotionsRouter,
  support: supportRouter,
});

/** The API's type: the web apps import this (as a type only) to call procedures with checked inputs and outputs. */
export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
