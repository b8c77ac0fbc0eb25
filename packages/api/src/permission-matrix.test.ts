import type { Role } from "@learnops/contracts/auth";
import { loadDemoData } from "@learnops/db/demo-data";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { withUser } from "@learnops/db/tenancy";
import { hasPermission, type Permission } from "@learnops/domain/permissions";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { TRPCError } from "@trpc/server";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "./context.ts";
import { appRouter, createCaller } from "./root.ts";
import { resolveSession, startSession } from "./sessions.ts";

/**
 * Who may call each procedure: anyone ("public"), anyone signed in ("authed"), or members whose role has a
 * permission. Every procedure of the AppRouter must appear here: adding one without saying who may call it
 * fails this test.
 */
const access: Record<string, "public" | "authed" | Permission> = {
  "access.check": "authed",
  "access.createOverride": "access.override",
  "access.inspect": "access.inspect",
  "access.listOverrides": "access.override",
  "access.revokeOverride": "access.override",
  "account.changePassword": "authed",
  "account.register": "public",
  "account.requestPasswordReset": "public",
  "account.resetPassword": "public",
  "account.verifyEmail": "public",
  "apiKeys.create": "api_keys.manage",
  "apiKeys.list": "api_keys.manage",
  "apiKeys.revoke": "api_keys.manage",
  "audit.list": "audit.read",
  "audit.verify": "audit.verify",
  "auth.signIn": "public",
  "auth.signOut": "authed",
  "auth.signOutEverywhere": "authed",
  "clientGroups.create": "client_groups.manage",
  "clientGroups.list": "client_groups.read",
  "clientGroups.remove": "client_groups.manage",
  "clientGroups.rename": "client_groups.manage",
  "cohorts.byId": "enrolments.read",
  "cohorts.create": "courses.manage",
  "cohorts.extendDeadline": "enrolments.manage",
  "cohorts.list": "enrolments.read",
  "cohorts.setDeadline": "courses.manage",
  "cohorts.update": "courses.manage",
  "contracts.create": "contracts.manage",
  "contracts.enrolClientGroup": "contracts.manage",
  "contracts.list": "contracts.manage",
  "contracts.terminate": "contracts.manage",
  "courses.addLesson": "courses.manage",
  "courses.addModule": "courses.manage",
  "courses.catalogue": "authed",
  "courses.create": "courses.manage",
  "courses.list": "courses.manage",
  "courses.outline": "authed",
  "courses.removeLesson": "courses.manage",
  "courses.removeModule": "courses.manage",
  "courses.setPrerequisites": "courses.manage",
  "courses.structure": "courses.manage",
  "courses.update": "courses.manage",
  "courses.updateLesson": "courses.manage",
  "courses.updateModule": "courses.manage",
  "dashboard.lesson": "authed",
  "dashboard.summary": "authed",
  "enrolments.cancel": "enrolments.manage",
  "enrolments.extend": "enrolments.manage",
  "enrolments.grant": "enrolments.manage",
  "enrolments.list": "enrolments.read",
  "enrolments.mine": "authed",
  "enrolments.reassign": "enrolments.manage",
  "enrolments.reinstate": "enrolments.manage",
  "enrolments.suspend": "enrolments.manage",
  "enrolments.transfer": "enrolments.manage",
  "imports.start": "enrolments.manage",
  "imports.byId": "enrolments.manage",
  "imports.list": "enrolments.manage",
  "imports.rejectionsCsv": "enrolments.manage",
  "imports.upload": "enrolments.manage",
  "identityProviders.activateNextServiceProviderKey": "identity_providers.manage",
  "identityProviders.confirmLink": "identity_providers.manage",
  "identityProviders.create": "identity_providers.manage",
  "identityProviders.createNextServiceProviderKey": "identity_providers.manage",
  "identityProviders.linkRequests": "identity_providers.manage",
  "identityProviders.rejectLink": "identity_providers.manage",
  "identityProviders.list": "identity_providers.manage",
  "identityProviders.remove": "identity_providers.manage",
  "identityProviders.retireServiceProviderKey": "identity_providers.manage",
  "identityProviders.serviceProviderKeys": "identity_providers.manage",
  "identityProviders.signInOptions": "public",
  "identityProviders.update": "identity_providers.manage",
  "institutions.bySlug": "public",
  "institutions.directory": "public",
  "institutions.updateBranding": "institution.update_branding",
  "learners.directoryPreference": "authed",
  "learners.search": "learners.search",
  "learners.setDirectoryOptOut": "authed",
  "me.memberships": "authed",
  "me.session": "public",
  "me.sessions": "authed",
  "me.switchMembership": "authed",
  "memberships.changeRole": "memberships.manage",
  "memberships.reactivate": "memberships.manage",
  "memberships.remove": "memberships.manage",
  "memberships.suspend": "memberships.manage",
  "operations.ping": "public",
  "operations.requestWorkerCheck": "public",
  "operations.status": "public",
  "operations.workerCheckById": "public",
  "payments.checkout": "authed",
  "people.add": "users.manage",
  "people.list": "users.read",
  "people.reactivateAccount": "accounts.suspend",
  "people.resendInvitation": "users.manage",
  "people.suspendAccount": "accounts.suspend",
  "people.unlock": "accounts.unlock",
  "programs.catalogue": "authed",
  "programs.create": "courses.manage",
  "programs.list": "courses.manage",
  "programs.update": "courses.manage",
  "progress.completionRules": "courses.manage",
  "progress.course": "authed",
  "progress.rebuild": "courses.manage",
  "progress.record": "authed",
  "progress.recordMany": "authed",
  "progress.setCompletionRules": "courses.manage",
  "progressReports.cohortCompletion": "progress.read",
  "progressReports.incompleteLearners": "progress.read",
  "progressReports.overdueDeadlines": "progress.read",
  "progressReports.stalledLearners": "progress.read",
  "promotions.create": "promotions.manage",
  "promotions.deactivate": "promotions.manage",
  "promotions.list": "promotions.manage",
  "promotions.redeem": "authed",
  "support.actAs": "sessions.act_as",
  "support.stopActing": "authed",
};

const roles: readonly Role[] = [
  "learner",
  "instructor",
  "course_admin",
  "support_agent",
  "client_manager",
  "platform_admin",
];
const institutions = ["northwind-health", "acme-compliance"] as const;
type Outcome = "allowed" | "unauthenticated" | "forbidden";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
/** One person per role in each of two institutions: the same procedure is called from both. */
const people = new Map<string, string>();

beforeAll(async () => {
  await loadDemoData(db);
  for (const slug of institutions) {
    const institution = await db
      .selectFrom("institutions")
      .select("id")
      .where("slug", "=", slug)
      .executeTakeFirstOrThrow();
    const group = await db
      .selectFrom("client_groups")
      .select("id")
      .where("institution_id", "=", institution.id)
      .executeTakeFirstOrThrow();
    for (const role of roles) {
      const user = await db
        .insertInto("users")
        .values({ email: `${role}.${slug}@matrix.example.org`, display_name: `${role} at ${slug}` })
        .returning("id")
        .executeTakeFirstOrThrow();
      await db
        .insertInto("memberships")
        .values({
          institution_id: institution.id,
          user_id: user.id,
          role,
          client_group_id: role === "client_manager" ? group.id : null,
        })
        .execute();
      people.set(`${role}@${slug}`, user.id);
    }
  }
});

function procedurePaths(): string[] {
  return Object.keys(appRouter._def.procedures).toSorted();
}

/** One session per person, resolved once: the outcome depends on who calls, not on the session's row. */
const sessions = new Map<string, Awaited<ReturnType<typeof resolveSession>>>();
async function sessionOf(userId: string) {
  const known = sessions.get(userId);
  if (known) return known;
  const membership = (await withUser(appDb, userId, (trx) => listOwnMemberships(trx, userId)))[0] ?? null;
  const { token } = await startSession(appDb, { userId, membership, ip: null, userAgent: null }, new Date());
  const session = await resolveSession(appDb, token, new Date());
  sessions.set(userId, session);
  return session;
}

/** Calls a procedure by its dotted path with no input: the access checks run before input validation. */
async function outcomeOf(path: string, userId: string | null): Promise<Outcome> {
  const session = userId ? await sessionOf(userId) : null;
  const caller = createCaller(createContextInner({ db: appDb, jobs, log, requestId: null, session }));
  const [namespace = "", name = ""] = path.split(".");
  const procedure = (caller as unknown as Record<string, Record<string, (input?: unknown) => Promise<unknown>>>)[
    namespace
  ]?.[name];
  if (!procedure) throw new Error(`no procedure ${path} on the caller`);
  try {
    await procedure(undefined);
    return "allowed";
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    if (error.code === "UNAUTHORIZED") return "unauthenticated";
    if (error.code === "FORBIDDEN") return "forbidden";
    // Any other refusal (bad input, not found) came after the access checks had let the call through.
    return "allowed";
  }
}

function expected(rule: "public" | "authed" | Permission, role: Role | null): Outcome {
  if (rule === "public") return "allowed";
  if (role === null) return "unauthenticated";
  if (rule === "authed") return "allowed";
  return hasPermission(role, rule) ? "allowed" : "forbidden";
}

describe("the permission matrix", () => {
  it("names every procedure of the AppRouter, and nothing else", () => {
    expect(procedurePaths()).toEqual(Object.keys(access).toSorted());
  });

  it("lets each procedure through exactly as the table says, for every role in two institutions and for anonymous callers", async () => {
    const mismatches: string[] = [];
    for (const path of procedurePaths()) {
      const rule = access[path] ?? "public";
      const anonymous = await outcomeOf(path, null);
      if (anonymous !== expected(rule, null))
        mismatches.push(`${path} as anonymous: ${anonymous}, expected ${expected(rule, null)}`);
      for (const slug of institutions) {
        for (const role of roles) {
          const outcome = await outcomeOf(path, people.get(`${role}@${slug}`) ?? null);
          if (outcome !== expected(rule, role))
            mismatches.push(`${path} as ${role} of ${slug}: ${outcome}, expected ${expected(rule, role)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    // Every procedure as 13 callers: more than a test's usual budget on a busy two-core machine.
  }, 120_000);
});
