import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { sql } from "kysely";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "../context.ts";
import { createCaller } from "../root.ts";
import { resolveSession } from "../sessions.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const password = "correct horse battery staple";

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

async function as(email: string, institutionSlug?: string) {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: `sign-in-${email}`, responseHeaders: headers }),
  ).auth.signIn({
    email,
    password,
    ...(institutionSlug ? { institutionSlug } : {}),
  });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  return createCaller(
    createContextInner({
      db: appDb,
      jobs,
      log,
      requestId: null,
      session: await resolveSession(appDb, token, new Date()),
    }),
  );
}

describe("the audit log", () => {
  it("lists the active institution's events only, newest first, a page at a time", async () => {
    await as("ivan.instructor@example.org"); // Northwind
    await as("morgan.lee@example.org", "acme-compliance"); // ACME
    const admin = await as("chloe.admin@example.org"); // Northwind

    const first = await admin.audit.list({ limit: 1 });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({
      action: "session.signed_in",
      requestId: "sign-in-chloe.admin@example.org",
    });
    const rest = await admin.audit.list({ limit: 50, cursor: first.nextCursor ?? undefined });
    expect(rest.events.map((event) => event.requestId)).toEqual(["sign-in-ivan.instructor@example.org"]);
    expect(rest.nextCursor).toBeNull();

    expect((await admin.audit.list({ action: "membership.switched" })).events).toEqual([]);
  });

  it("verifies the chain, and reports an event edited behind the application's back", async () => {
    const admin = await as("chloe.admin@example.org");
    expect(await admin.audit.verify()).toEqual({ intact: true, breaks: [] });

    await db.transaction().execute(async (trx) => {
      await sql`alter table audit_events disable trigger audit_events_immutable`.execute(trx);
      await sql`update audit_events set ip = '203.0.113.66' where sequence = 1 and institution_id = (
        select id from institutions where slug = 'northwind-health')`.execute(trx);
      await sql`alter table audit_events enable trigger audit_events_immutable`.execute(trx);
    });
    expect(await admin.audit.verify()).toEqual({
      intact: false,
      breaks: [{ sequence: 1, problem: "event does not match its hash (edited)" }],
    });
  });

  it("is closed to roles without the audit permissions", async () => {
    const learner = await as("ada.learner@example.org");
    await expect(learner.audit.list({})).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("audit.read"),
    });
    const support = await as("sam.support@example.org");
    await expect(support.audit.list({})).resolves.toHaveProperty("events");
    await expect(support.audit.verify()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("audit.verify"),
    });
  });
});
