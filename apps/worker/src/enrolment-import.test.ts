import { createContextInner } from "@learnops/api/context";
import { receiveEnrolmentUpload } from "@learnops/api/enrolment-upload";
import { createCaller } from "@learnops/api/root";
import { resolveSession } from "@learnops/api/sessions";
import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { withTenant } from "@learnops/db/tenancy";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { waitFor } from "@learnops/jobs/testing/wait-for";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWorkerEnv } from "./env.ts";
import { type RunningWorker, startWorker } from "./worker.ts";

const { db, appDb, jobs, appUrl } = await setupTestJobQueue();
const { log } = captureLog();
const password = "correct horse battery staple";
let cookie = "";
let worker: RunningWorker;
let northwind = "";

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
  northwind = (
    await db.selectFrom("institutions").select("id").where("slug", "=", "northwind-health").executeTakeFirstOrThrow()
  ).id;
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers, ip: "10.20.0.1" }),
  ).auth.signIn({ email: "chloe.admin@example.org", password, institutionSlug: "northwind-health" });
  cookie = headers.get("set-cookie")?.split(";")[0] ?? "";
  worker = await startWorker(readWorkerEnv({ DATABASE_URL: appUrl }), log);
});
afterAll(() => worker.stop());

async function admin() {
  const session = await resolveSession(appDb, readSessionToken(cookie) ?? "", new Date());
  return createCaller(createContextInner({ db: appDb, jobs, log, requestId: "req-import", session }));
}

/** Sends the CSV as the upload route does: the request body, as a stream of small chunks. */
function upload(csv: string, query: { kind?: string; clientGroupId?: string; fileName?: string } = {}) {
  const bytes = new TextEncoder().encode(csv);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let offset = 0; offset < bytes.length; offset += 64) controller.enqueue(bytes.slice(offset, offset + 64));
      controller.close();
    },
  });
  const request = new Request("http://localhost/imports/enrolments", {
    method: "POST",
    headers: { cookie, "content-type": "text/csv" },
    body,
    duplex: "half",
  } as RequestInit);
  return receiveEnrolmentUpload(
    { db: appDb, jobs, publicUrl: "http://localhost:3000" },
    { request, requestId: "req-upload", log, responseHeaders: new Headers(), ip: "10.20.0.2", secureCookies: false },
    { fileName: "autumn-roster.csv", ...query },
  );
}

const roster = [
  "Email,Name,Course,Cohort,Expires_On",
  "new.starter@example.org,New Starter,infection-control,,2027-12-31",
  '"second.starter@example.org","Starter, Second",dementia-care,,',
  "ada.learner@example.org,Ada Okafor,infection-control,,", // already enrolled: changes nothing
  "not-an-address,Nobody,infection-control,,",
  "third.starter@example.org,Third,no-such-course,,",
  "NEW.STARTER@example.org,New Starter,infection-control,,", // the same as line 2
  "third.starter@example.org,Third,medication-safety,Winter cohort,",
].join("\n");

const enrolmentsOf = (email: string) =>
  withTenant(db, { institutionId: northwind }, (trx) =>
    trx
      .selectFrom("enrolments")
      .innerJoin("users", "users.id", "enrolments.user_id")
      .innerJoin("courses", "courses.id", "enrolments.course_id")
      .select(["courses.code", "enrolments.source", "enrolments.status", "enrolments.expires_at"])
      .where("users.email", "=", email)
      .execute(),
  );

describe("bulk enrolment", () => {
  it("checks every row in a dry run, then the worker applies the good ones; the same file again adds nothing", async () => {
    const answer = await upload(roster);
    expect(answer.status).toBe(200);
    const dryRun = answer.body as {
      id: string;
      totalRows: number;
      validRows: number;
      rejectedRows: number;
      alreadyEnrolled: number;
      uploadedBefore: string | null;
      rejections: { line: number; reasons: string[] }[];
    };
    expect(dryRun).toMatchObject({
      totalRows: 7,
      validRows: 4,
      rejectedRows: 3,
      alreadyEnrolled: 1,
      uploadedBefore: null,
    });
    expect(dryRun.rejections).toEqual([
      expect.objectContaining({ line: 5, reasons: ['"not-an-address" is not an email address'] }),
      expect.objectContaining({ line: 6, reasons: ['no course has the code "no-such-course"'] }),
      expect.objectContaining({ line: 7, reasons: ["the same learner and course as line 2"] }),
    ]);
    // A dry run changes no enrolment.
    expect(await enrolmentsOf("new.starter@example.org")).toEqual([]);

    const api = await admin();
    const report = await api.imports.rejectionsCsv({ importId: dryRun.id });
    expect(report.fileName).toBe("autumn-roster-rejected.csv");
    expect(report.csv.split("\r\n")[0]).toBe("line,email,name,course,cohort,expires_on,reasons");
    expect(report.csv).toContain(
      '5,not-an-address,Nobody,infection-control,,,"""not-an-address"" is not an email address"',
    );

    expect(await api.imports.start({ importId: dryRun.id })).toMatchObject({ status: "queued" });
    const done = await waitFor(async () => {
      const progress = await api.imports.byId({ importId: dryRun.id });
      return progress.status === "completed" ? progress : undefined;
    }, "the worker to apply the upload");
    expect(done).toMatchObject({ processedRows: 4, createdRows: 3, unchangedRows: 1, percentDone: 100 });
    expect(await enrolmentsOf("new.starter@example.org")).toEqual([
      {
        code: "infection-control",
        source: "import",
        status: "active",
        expires_at: new Date("2027-12-31T23:59:59.999Z"),
      },
    ]);
    expect(await enrolmentsOf("third.starter@example.org")).toMatchObject([{ code: "medication-safety" }]);
    await expect(api.imports.start({ importId: dryRun.id })).rejects.toMatchObject({ code: "CONFLICT" });

    const again = (await upload(roster)).body as { id: string; alreadyEnrolled: number; uploadedBefore: string | null };
    expect(again.alreadyEnrolled).toBe(4);
    expect(again.uploadedBefore).not.toBeNull();
    await api.imports.start({ importId: again.id });
    const second = await waitFor(async () => {
      const progress = await api.imports.byId({ importId: again.id });
      return progress.status === "completed" ? progress : undefined;
    }, "the worker to apply the second upload");
    expect(second).toMatchObject({ createdRows: 0, unchangedRows: 4 });
    expect(await enrolmentsOf("new.starter@example.org")).toHaveLength(1);
  });

  it("enrols a client roster into the group under its contract, refusing courses the contract does not cover", async () => {
    const contoso = await withTenant(
      db,
      { institutionId: northwind },
      async (trx) =>
        (
          await trx
            .selectFrom("client_groups")
            .select("id")
            .where("name", "=", "Contoso Clinics")
            .executeTakeFirstOrThrow()
        ).id,
    );
    const answer = await upload(
      [
        "email,name,course",
        "roster.one@example.org,Roster One,dementia-care",
        "roster.one@example.org,Roster One,medication-safety",
      ].join("\n"),
      { kind: "client_roster", clientGroupId: contoso },
    );
    const dryRun = answer.body as { id: string; validRows: number; rejections: { reasons: string[] }[] };
    expect(dryRun.validRows).toBe(1);
    expect(dryRun.rejections[0]?.reasons).toEqual([
      "no contract of this client group in force today covers Medication Safety",
    ]);
    const api = await admin();
    await api.imports.start({ importId: dryRun.id });
    await waitFor(
      async () => ((await api.imports.byId({ importId: dryRun.id })).status === "completed" ? true : undefined),
      "the roster",
    );
    expect(await enrolmentsOf("roster.one@example.org")).toMatchObject([
      { code: "dementia-care", source: "corporate_contract" },
    ]);
    const membership = await withTenant(db, { institutionId: northwind }, (trx) =>
      trx
        .selectFrom("memberships")
        .innerJoin("users", "users.id", "memberships.user_id")
        .select(["memberships.role", "memberships.client_group_id"])
        .where("users.email", "=", "roster.one@example.org")
        .executeTakeFirstOrThrow(),
    );
    expect(membership).toEqual({ role: "learner", client_group_id: contoso });
  });

  it("refuses a file without the columns it needs, an empty file and a missing session, saying why", async () => {
    expect(await upload("mail,course\nx@example.org,dementia-care\n")).toMatchObject({
      status: 400,
      body: {
        error: { message: expect.stringContaining('The file has no "email" column'), data: { code: "BAD_REQUEST" } },
      },
    });
    expect(await upload("")).toMatchObject({ status: 400, body: { error: { message: "file: the file is empty" } } });
    expect(await upload("email,course\n")).toMatchObject({ status: 400 });
    expect(await upload("email,course\nx@example.org,dementia-care\n", { fileName: "" })).toMatchObject({
      status: 400,
      body: { error: { data: { fieldIssues: [{ path: "fileName", message: "Name the file" }] } } },
    });
    const saved = cookie;
    cookie = "";
    try {
      expect(await upload("email,course\n")).toMatchObject({ status: 401 });
    } finally {
      cookie = saved;
    }
  });
});
