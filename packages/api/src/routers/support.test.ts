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
const reason = "Learner reports the dashboard shows no courses (ticket 4711)";

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

const idOf = async (email: string) =>
  (await db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

async function signIn(email: string) {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers }),
  ).auth.signIn({ email, password });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  return async (now = new Date()) =>
    createCaller(
      createContextInner({
        db: appDb,
        jobs,
        log,
        requestId: "req-support",
        session: await resolveSession(appDb, token, now),
        now: () => now,
      }),
    );
}

describe("acting as someone", () => {
  it("lets a support agent see what a learner of their institution sees, recorded with both people", async () => {
    const sam = await signIn("sam.support@example.org");
    const ada = await idOf("ada.learner@example.org");
    const view = await (await sam()).support.actAs({ userId: ada, reason, minutes: 15 });
    expect(view).toMatchObject({
      user: { email: "ada.learner@example.org" },
      activeMembership: { role: "learner" },
      actingAs: { realUser: { email: "sam.support@example.org" }, reason },
    });
    expect(await (await sam()).me.session()).toMatchObject({
      user: { id: ada },
      actingAs: { realUser: { email: "sam.support@example.org" } },
    });

    const { rows } = await sql<{ actor_user_id: string; real_actor_user_id: string; after: { reason: string } }>`
      select actor_user_id, real_actor_user_id, after from audit_events where action = 'support.acting_as_started'`.execute(
      db,
    );
    expect(rows).toEqual([
      {
        actor_user_id: ada,
        real_actor_user_id: await idOf("sam.support@example.org"),
        after: { reason, until: expect.any(String) },
      },
    ]);

    // What the acted-as person could do to themselves everywhere stays out of reach.
    await expect((await sam()).auth.signOutEverywhere()).rejects.toMatchObject({ code: "FORBIDDEN" });
    const stopped = await (await sam()).support.stopActing();
    expect(stopped).toMatchObject({ user: { email: "sam.support@example.org" }, actingAs: null });
    expect(await (await sam()).me.session()).toMatchObject({
      user: { email: "sam.support@example.org" },
      actingAs: null,
    });
  });

  it("ends by itself when its time runs out", async () => {
    const sam = await signIn("sam.support@example.org");
    await (await sam()).support.actAs({ userId: await idOf("ivan.instructor@example.org"), reason, minutes: 5 });
    const later = new Date(Date.now() + 6 * 60_000);
    expect(await (await sam(later)).me.session()).toMatchObject({
      user: { email: "sam.support@example.org" },
      actingAs: null,
    });
  });

  it("is never possible as a platform admin, nor as someone outside the agent's institution", async () => {
    const sam = await signIn("sam.support@example.org");
    const both = await db
      .insertInto("users")
      .values({ email: "dual@example.org", display_name: "Dual Role" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const [northwind, lakeside] = await Promise.all(
      ["northwind-health", "lakeside-college"].map(
        async (slug) =>
          (await db.selectFrom("institutions").select("id").where("slug", "=", slug).executeTakeFirstOrThrow()).id,
      ),
    );
    await db
      .insertInto("memberships")
      .values([
        { institution_id: northwind ?? "", user_id: both.id, role: "learner" },
        { institution_id: lakeside ?? "", user_id: both.id, role: "platform_admin" },
      ])
      .execute();
    await expect((await sam()).support.actAs({ userId: both.id, reason })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "Platform admins cannot be acted as",
    });
    // Pat is a platform admin at Lakeside only: from Northwind, Pat does not exist.
    await expect(
      (await sam()).support.actAs({ userId: await idOf("pat.platform@example.org"), reason }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("needs a reason, and the act-as permission", async () => {
    const sam = await signIn("sam.support@example.org");
    await expect(
      (await sam()).support.actAs({ userId: await idOf("ada.learner@example.org"), reason: "because" }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const chloe = await signIn("chloe.admin@example.org");
    await expect(
      (await chloe()).support.actAs({ userId: await idOf("ada.learner@example.org"), reason }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("sessions.act_as"),
    });
  });
});
