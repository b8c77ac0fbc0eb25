import { testIdentityProviderKeys } from "@learnops/auth/saml/testing/keys";
import type { Role } from "@learnops/contracts/auth";
import { loadDemoData } from "@learnops/db/demo-data";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { withTenant, withUser } from "@learnops/db/tenancy";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { TRPCError } from "@trpc/server";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "./context.ts";
import { appRouter, createCaller } from "./root.ts";
import { resolveSession, startSession } from "./sessions.ts";
import { issueApiKey } from "./testing/api-keys.ts";

/**
 * The other half of the permission matrix: what a procedure does with another institution's records.
 * Staff of ACME, holding the permission a procedure needs, name Northwind's records in its input: a
 * procedure that takes a record must answer NOT_FOUND and change nothing; a procedure that lists must show
 * none of Northwind's records. Every procedure of the AppRouter is declared here, so a new one fails this
 * test until someone says which kind it is.
 */

/** Records of Northwind Health Academy, the institution the callers do not belong to. */
interface Foreign {
  userId: string;
  membershipId: string;
  clientGroupId: string;
  apiKeyId: string;
  courseId: string;
  moduleId: string;
  lessonId: string;
  cohortId: string;
  enrolmentId: string;
  overrideId: string;
  deadlineId: string;
  importId: string;
  programId: string;
  // Corporate contracts and promotions
  contractId: string;
  promotionId: string;
  identityProviderId: string;
  linkRequestId: string;
  serviceProviderKeyId: string;
}

type Declaration =
  /** Takes no record of an institution (public, the caller's own session, the caller's own institution). */
  | { kind: "no record" }
  /** Takes a record: called as `role` of ACME with Northwind's record, it must answer NOT_FOUND. */
  | { kind: "record"; role: Role; input: (foreign: Foreign) => unknown }
  /** Lists records: called as `role` of ACME, its answer must name none of Northwind's. */
  | { kind: "list"; role: Role; input?: (foreign: Foreign) => unknown };

const none = { kind: "no record" } as const;

const declarations: Record<string, Declaration> = {
  "access.check": { kind: "record", role: "course_admin", input: (f) => ({ lessonId: f.lessonId }) },
  "access.createOverride": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      userId: f.userId,
      courseId: f.courseId,
      effect: "allow",
      reason: "Taking over another institution",
      expiresAt: "2099-01-01T00:00:00Z",
    }),
  },
  "access.inspect": {
    kind: "record",
    role: "support_agent",
    input: (f) => ({ userId: f.userId, courseId: f.courseId }),
  },
  "access.listOverrides": { kind: "list", role: "course_admin", input: (f) => ({ userId: f.userId }) },
  "access.revokeOverride": { kind: "record", role: "course_admin", input: (f) => ({ overrideId: f.overrideId }) },
  "account.changePassword": none,
  "account.register": none,
  "account.requestPasswordReset": none,
  "account.resetPassword": none,
  "account.verifyEmail": none,
  "apiKeys.create": none,
  "apiKeys.list": { kind: "list", role: "course_admin" },
  "apiKeys.revoke": { kind: "record", role: "course_admin", input: (f) => ({ apiKeyId: f.apiKeyId }) },
  "audit.list": { kind: "list", role: "course_admin", input: (f) => ({ actorUserId: f.userId }) },
  "audit.verify": none,
  "auth.signIn": none,
  "auth.signOut": none,
  "auth.signOutEverywhere": none,
  "clientGroups.create": none,
  "clientGroups.list": { kind: "list", role: "course_admin" },
  "clientGroups.remove": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ clientGroupId: f.clientGroupId }),
  },
  "clientGroups.rename": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ clientGroupId: f.clientGroupId, name: "Taken over" }),
  },
  "cohorts.byId": { kind: "record", role: "support_agent", input: (f) => ({ cohortId: f.cohortId }) },
  "cohorts.create": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      courseId: f.courseId,
      name: "Taken over",
      startsAt: "2030-01-01T00:00:00Z",
      endsAt: "2030-02-01T00:00:00Z",
    }),
  },
  "cohorts.extendDeadline": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      enrolmentId: f.enrolmentId,
      deadlineId: f.deadlineId,
      dueAt: "2099-01-01T00:00:00Z",
      reason: "Taking over another institution",
    }),
  },
  "cohorts.list": { kind: "record", role: "support_agent", input: (f) => ({ courseId: f.courseId }) },
  "cohorts.setDeadline": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ cohortId: f.cohortId, moduleId: f.moduleId, dueAt: null }),
  },
  "cohorts.update": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      cohortId: f.cohortId,
      name: "Taken over",
      startsAt: "2030-01-01T00:00:00Z",
      endsAt: "2030-02-01T00:00:00Z",
    }),
  },
  "contracts.create": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      clientGroupId: f.clientGroupId,
      name: "Taken over",
      startsOn: "2026-01-01",
      endsOn: "2027-01-01",
      courseIds: [f.courseId],
    }),
  },
  "contracts.enrolClientGroup": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ contractId: f.contractId, courseId: f.courseId, userIds: [f.userId] }),
  },
  "contracts.list": { kind: "list", role: "course_admin" },
  "contracts.terminate": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ contractId: f.contractId, reason: "Taking over another institution's contract" }),
  },
  "courses.addLesson": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      moduleId: f.moduleId,
      title: "Taken over",
      kind: "reading",
      content: { url: "https://example.org/x", provider: "Web" },
    }),
  },
  "courses.addModule": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId, title: "X" }) },
  "courses.catalogue": { kind: "list", role: "course_admin" },
  "courses.create": none,
  "courses.list": { kind: "list", role: "course_admin" },
  "courses.outline": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  "courses.removeLesson": { kind: "record", role: "course_admin", input: (f) => ({ lessonId: f.lessonId }) },
  "courses.removeModule": { kind: "record", role: "course_admin", input: (f) => ({ moduleId: f.moduleId }) },
  "courses.setPrerequisites": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ of: "lesson", id: f.lessonId, requiredIds: [] }),
  },
  "courses.structure": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  "courses.update": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ courseId: f.courseId, status: "archived" }),
  },
  "courses.updateLesson": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ lessonId: f.lessonId, title: "X" }),
  },
  "courses.updateModule": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ moduleId: f.moduleId, title: "X" }),
  },
  "dashboard.lesson": { kind: "record", role: "course_admin", input: (f) => ({ lessonId: f.lessonId }) },
  "dashboard.summary": { kind: "list", role: "course_admin" },
  "enrolments.cancel": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ enrolmentId: f.enrolmentId, reason: "Taking over another institution" }),
  },
  "enrolments.extend": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      enrolmentId: f.enrolmentId,
      expiresAt: "2099-01-01T00:00:00Z",
      reason: "Taking over another institution",
    }),
  },
  "enrolments.grant": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ userId: f.userId, courseId: f.courseId, reason: "Taking over another institution" }),
  },
  "enrolments.list": { kind: "list", role: "course_admin" },
  "enrolments.mine": { kind: "list", role: "course_admin" },
  "enrolments.reassign": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ enrolmentId: f.enrolmentId, courseId: f.courseId, reason: "Taking over another institution" }),
  },
  "enrolments.reinstate": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ enrolmentId: f.enrolmentId, reason: "Taking over another institution" }),
  },
  "enrolments.suspend": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ enrolmentId: f.enrolmentId, reason: "Taking over another institution" }),
  },
  "enrolments.transfer": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ enrolmentId: f.enrolmentId, cohortId: f.cohortId, reason: "Taking over another institution" }),
  },
  "imports.start": { kind: "record", role: "course_admin", input: (f) => ({ importId: f.importId }) },
  "imports.byId": { kind: "record", role: "course_admin", input: (f) => ({ importId: f.importId }) },
  "imports.list": { kind: "list", role: "course_admin" },
  "imports.rejectionsCsv": { kind: "record", role: "course_admin", input: (f) => ({ importId: f.importId }) },
  "imports.upload": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      kind: "client_roster",
      clientGroupId: f.clientGroupId,
      fileName: "roster.csv",
      file: new Blob(["email,course\nx@example.org,dementia-care\n"]).stream(),
    }),
  },
  "identityProviders.activateNextServiceProviderKey": none,
  "identityProviders.confirmLink": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ linkRequestId: f.linkRequestId }),
  },
  "identityProviders.create": none,
  "identityProviders.createNextServiceProviderKey": none,
  "identityProviders.linkRequests": { kind: "list", role: "course_admin" },
  "identityProviders.rejectLink": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ linkRequestId: f.linkRequestId, reason: "Not the same person" }),
  },
  "identityProviders.list": { kind: "list", role: "course_admin" },
  "identityProviders.remove": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ identityProviderId: f.identityProviderId }),
  },
  "identityProviders.retireServiceProviderKey": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ keyId: f.serviceProviderKeyId }),
  },
  "identityProviders.serviceProviderKeys": { kind: "list", role: "course_admin" },
  "identityProviders.signInOptions": none,
  "identityProviders.update": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ identityProviderId: f.identityProviderId, name: "Taken over", trustsEmail: true }),
  },
  "institutions.bySlug": none,
  "institutions.directory": none,
  "institutions.updateBranding": none,
  "learners.directoryPreference": none,
  "learners.search": { kind: "list", role: "support_agent", input: (f) => ({ courseId: f.courseId }) },
  "learners.setDirectoryOptOut": none,
  "me.memberships": none,
  "me.session": none,
  "me.sessions": none,
  "me.switchMembership": { kind: "record", role: "course_admin", input: (f) => ({ membershipId: f.membershipId }) },
  "memberships.changeRole": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ membershipId: f.membershipId, role: "instructor" }),
  },
  "memberships.reactivate": { kind: "record", role: "course_admin", input: (f) => ({ membershipId: f.membershipId }) },
  "memberships.remove": { kind: "record", role: "course_admin", input: (f) => ({ membershipId: f.membershipId }) },
  "memberships.suspend": { kind: "record", role: "course_admin", input: (f) => ({ membershipId: f.membershipId }) },
  "operations.ping": none,
  "operations.requestWorkerCheck": none,
  "operations.status": none,
  "operations.workerCheckById": none,
  "payments.checkout": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  "people.add": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      email: "someone.new@example.org",
      displayName: "Someone New",
      role: "learner",
      clientGroupId: f.clientGroupId,
    }),
  },
  "people.list": { kind: "list", role: "course_admin" },
  "people.reactivateAccount": { kind: "record", role: "platform_admin", input: (f) => ({ userId: f.userId }) },
  "people.resendInvitation": { kind: "record", role: "course_admin", input: (f) => ({ userId: f.userId }) },
  "people.suspendAccount": { kind: "record", role: "platform_admin", input: (f) => ({ userId: f.userId }) },
  "people.unlock": { kind: "record", role: "course_admin", input: (f) => ({ userId: f.userId }) },
  "programs.catalogue": { kind: "list", role: "course_admin" },
  "programs.create": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ code: "taken-over", title: "X", courseIds: [f.courseId] }),
  },
  "programs.list": { kind: "list", role: "course_admin" },
  "programs.update": { kind: "record", role: "course_admin", input: (f) => ({ programId: f.programId, title: "X" }) },
  "progress.completionRules": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  "progress.course": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  "progress.rebuild": { kind: "record", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  // Recording answers per event: Northwind's lesson is `lesson_not_found`, and the answer names nothing of it.
  "progress.record": {
    kind: "list",
    role: "course_admin",
    input: (f) => ({
      type: "lesson_started",
      idempotencyKey: "foreign-lesson-1",
      lessonId: f.lessonId,
      occurredAt: "2026-01-01T00:00:00Z",
    }),
  },
  "progress.recordMany": {
    kind: "list",
    role: "course_admin",
    input: (f) => ({
      events: [
        {
          type: "lesson_started",
          idempotencyKey: "foreign-lesson-2",
          lessonId: f.lessonId,
          occurredAt: "2026-01-01T00:00:00Z",
        },
      ],
    }),
  },
  "progress.setCompletionRules": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ courseId: f.courseId, rules: { quizMinimumPercent: { [f.lessonId]: 50 } } }),
  },
  // Filtered by another institution's course, cohort or client group, a report lists no one of theirs.
  "progressReports.cohortCompletion": {
    kind: "list",
    role: "course_admin",
    input: (f) => ({ courseId: f.courseId, cohortId: f.cohortId }),
  },
  "progressReports.incompleteLearners": {
    kind: "list",
    role: "course_admin",
    input: (f) => ({ courseId: f.courseId, clientGroupId: f.clientGroupId }),
  },
  "progressReports.overdueDeadlines": { kind: "list", role: "course_admin", input: (f) => ({ cohortId: f.cohortId }) },
  "progressReports.stalledLearners": { kind: "list", role: "course_admin", input: (f) => ({ courseId: f.courseId }) },
  "promotions.create": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({
      code: "TAKEN-OVER",
      validFrom: "2026-01-01T00:00:00Z",
      validUntil: "2099-01-01T00:00:00Z",
      accessDays: 30,
      courseIds: [f.courseId],
    }),
  },
  "promotions.deactivate": { kind: "record", role: "course_admin", input: (f) => ({ promotionId: f.promotionId }) },
  "promotions.list": { kind: "list", role: "course_admin" },
  // Northwind's own code, for a Northwind course: neither exists for ACME.
  "promotions.redeem": {
    kind: "record",
    role: "course_admin",
    input: (f) => ({ code: "WINTER-2026", courseId: f.courseId }),
  },
  "support.actAs": {
    kind: "record",
    role: "support_agent",
    input: (f) => ({ userId: f.userId, reason: "Checking what the learner sees", minutes: 10 }),
  },
  "support.stopActing": none,
};

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const foreign = {} as Foreign;
/** ACME staff, one per role a declaration calls with. */
const acmeStaff = new Map<Role, string>();

beforeAll(async () => {
  await loadDemoData(db);
  const idOf = async (table: "institutions" | "users" | "client_groups", column: string, value: string) =>
    (
      await db
        .selectFrom(table)
        .select("id")
        // biome-ignore lint/suspicious/noExplicitAny: the three tables share the id column this reads
        .where(column as any, "=", value)
        .executeTakeFirstOrThrow()
    ).id as string;
  const northwind = await idOf("institutions", "slug", "northwind-health");
  const acme = await idOf("institutions", "slug", "acme-compliance");
  // Ada belongs to Northwind only: for ACME she is someone else's learner.
  foreign.userId = await idOf("users", "email", "ada.learner@example.org");
  foreign.membershipId = (
    await db
      .selectFrom("memberships")
      .select("id")
      .where("user_id", "=", foreign.userId)
      .where("institution_id", "=", northwind)
      .executeTakeFirstOrThrow()
  ).id;
  foreign.clientGroupId = await idOf("client_groups", "name", "Contoso Clinics");
  foreign.apiKeyId = (
    await issueApiKey(db, { institutionId: northwind, name: "Northwind HR feed", scopes: ["enrolments:read"] })
  ).id;

  await withTenant(db, { institutionId: northwind }, async (trx) => {
    const course = await trx
      .selectFrom("courses")
      .select("id")
      .where("code", "=", "medication-safety")
      .executeTakeFirstOrThrow();
    foreign.courseId = course.id;
    foreign.moduleId = (
      await trx.selectFrom("modules").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow()
    ).id;
    foreign.lessonId = (
      await trx.selectFrom("lessons").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow()
    ).id;
    foreign.cohortId = (
      await trx.selectFrom("cohorts").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow()
    ).id;
    foreign.deadlineId = (await trx.selectFrom("cohort_deadlines").select("id").executeTakeFirstOrThrow()).id;
    foreign.enrolmentId = (
      await trx
        .selectFrom("enrolments")
        .select("id")
        .where("user_id", "=", foreign.userId)
        .where("course_id", "=", course.id)
        .executeTakeFirstOrThrow()
    ).id;
    foreign.overrideId = (await trx.selectFrom("access_overrides").select("id").executeTakeFirstOrThrow()).id;
    foreign.programId = (await trx.selectFrom("programs").select("id").executeTakeFirstOrThrow()).id;
    foreign.importId = (
      await trx
        .insertInto("enrolment_imports")
        .values({
          institution_id: northwind,
          kind: "enrolments",
          file_name: "northwind.csv",
          file_sha256: "0".repeat(64),
          status: "validated",
          total_rows: 1,
          rows: JSON.stringify([]),
          rejections: JSON.stringify({ header: ["email", "course"], rejections: [] }),
        })
        .returning("id")
        .executeTakeFirstOrThrow()
    ).id;
    foreign.contractId = (await trx.selectFrom("client_contracts").select("id").executeTakeFirstOrThrow()).id;
    foreign.promotionId = (await trx.selectFrom("promotions").select("id").executeTakeFirstOrThrow()).id;
  });
  foreign.identityProviderId = (
    await db
      .insertInto("saml_identity_providers")
      .values({
        institution_id: northwind,
        name: "Northwind staff directory",
        entity_id: "https://idp.northwind.example.org/saml",
        sso_url: "https://idp.northwind.example.org/sso",
        certificates: [testIdentityProviderKeys.certificate],
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;

  foreign.linkRequestId = (
    await db
      .insertInto("saml_link_requests")
      .values({
        institution_id: northwind,
        identity_provider_id: foreign.identityProviderId,
        name_id: "ada-at-northwind-idp",
        user_id: foreign.userId,
        asserted_email: "ada.learner@example.org",
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;

  foreign.serviceProviderKeyId = (
    await db
      .insertInto("saml_service_provider_keys")
      .values({
        institution_id: northwind,
        status: "previous",
        private_key: testIdentityProviderKeys.privateKey,
        certificate: testIdentityProviderKeys.certificate,
        fingerprint_sha256: Array.from({ length: 32 }, () => "AB").join(":"),
        not_after: new Date("2036-01-01T00:00:00Z"),
        decrypts_until: new Date(Date.now() + 7 * 24 * 60 * 60 * 1000),
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;

  for (const role of ["course_admin", "support_agent", "platform_admin"] as const) {
    const person = await db
      .insertInto("users")
      .values({ email: `${role}@acme.example.org`, display_name: `ACME ${role}` })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db.insertInto("memberships").values({ institution_id: acme, user_id: person.id, role }).execute();
    acmeStaff.set(role, person.id);
  }
});

async function callerAs(role: Role) {
  const userId = acmeStaff.get(role);
  if (!userId) throw new Error(`no ACME ${role}`);
  const membership = (await withUser(appDb, userId, (trx) => listOwnMemberships(trx, userId)))[0] ?? null;
  const { token } = await startSession(appDb, { userId, membership, ip: null, userAgent: null }, new Date());
  const session = await resolveSession(appDb, token, new Date());
  const caller = createCaller(createContextInner({ db: appDb, jobs, log, requestId: null, session }));
  return (path: string, input: unknown) => {
    const [namespace = "", name = ""] = path.split(".");
    const procedure = (caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[
      namespace
    ]?.[name];
    if (!procedure) throw new Error(`no procedure ${path} on the caller`);
    return procedure(input);
  };
}

/** Everything of Northwind's a procedure could change: compared before and after each refused call. */
async function northwindSnapshot() {
  const [memberships, groups, keys, accounts, courses, modules, lessons, cohorts, enrolments, overrides] =
    await Promise.all([
      db.selectFrom("memberships").select(["id", "role", "status", "client_group_id"]).orderBy("id").execute(),
      db.selectFrom("client_groups").select(["id", "name"]).orderBy("id").execute(),
      db.selectFrom("api_keys").select(["id", "revoked_at"]).orderBy("id").execute(),
      db.selectFrom("users").select(["id", "status"]).orderBy("id").execute(),
      db.selectFrom("courses").select(["id", "title", "status", "updated_at"]).orderBy("id").execute(),
      db.selectFrom("modules").select(["id", "title"]).orderBy("id").execute(),
      db.selectFrom("lessons").select(["id", "title"]).orderBy("id").execute(),
      db.selectFrom("cohorts").select(["id", "name"]).orderBy("id").execute(),
      db.selectFrom("enrolments").select(["id", "status", "expires_at", "cohort_id"]).orderBy("id").execute(),
      db.selectFrom("access_overrides").select(["id", "revoked_at"]).orderBy("id").execute(),
    ]);
  const commerce = await Promise.all([
    db.selectFrom("client_contracts").select(["id", "status"]).orderBy("id").execute(),
    db.selectFrom("promotions").select(["id", "uses", "valid_until"]).orderBy("id").execute(),
  ]);
  const sso = await Promise.all([
    db.selectFrom("saml_identity_providers").select(["id", "name", "trusts_email"]).orderBy("id").execute(),
    db.selectFrom("saml_link_requests").select(["id"]).orderBy("id").execute(),
    db.selectFrom("saml_identity_links").select(["id"]).orderBy("id").execute(),
    db.selectFrom("saml_service_provider_keys").select(["id", "status"]).orderBy("id").execute(),
  ]);
  return {
    memberships,
    groups,
    keys,
    accounts,
    courses,
    modules,
    lessons,
    cohorts,
    enrolments,
    overrides,
    commerce,
    sso,
  };
}

describe("another institution's records", () => {
  it("are declared for every procedure of the AppRouter, and nothing else", () => {
    expect(Object.keys(appRouter._def.procedures).toSorted()).toEqual(Object.keys(declarations).toSorted());
  });

  it("answer NOT_FOUND to every procedure that takes one, and nothing of theirs changes", async () => {
    const mismatches: string[] = [];
    for (const [path, declaration] of Object.entries(declarations)) {
      if (declaration.kind !== "record") continue;
      const call = await callerAs(declaration.role);
      const before = await northwindSnapshot();
      const outcome = await call(path, declaration.input(foreign)).then(
        () => "allowed",
        (error: unknown) => (error instanceof TRPCError ? error.code : String(error)),
      );
      if (outcome !== "NOT_FOUND") mismatches.push(`${path} as ACME ${declaration.role}: ${outcome}`);
      if (JSON.stringify(await northwindSnapshot()) !== JSON.stringify(before))
        mismatches.push(`${path} as ACME ${declaration.role} changed Northwind's records`);
    }
    expect(mismatches).toEqual([]);
  });

  it("never appear in what a listing procedure answers", async () => {
    const northwindIds = Object.values(foreign);
    const leaks: string[] = [];
    for (const [path, declaration] of Object.entries(declarations)) {
      if (declaration.kind !== "list") continue;
      const call = await callerAs(declaration.role);
      const answer = JSON.stringify(await call(path, declaration.input?.(foreign) ?? {}));
      for (const id of northwindIds) if (answer.includes(id)) leaks.push(`${path} named ${id}`);
      if (answer.includes("ada.learner@example.org")) leaks.push(`${path} named Ada's address`);
    }
    expect(leaks).toEqual([]);
  });
});
