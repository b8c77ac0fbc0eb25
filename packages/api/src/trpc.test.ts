import { hashPassword } from "@learnops/auth/passwords";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { createContextInner } from "./context.ts";
import { createCaller } from "./root.ts";
import { resolveSession } from "./sessions.ts";
import { createCallerFactory, permittedProcedure, router } from "./trpc.ts";

const { db, appDb, jobs } = await setupTestJobQueue();
const log = pino({ level: "silent" });
const password = "correct horse battery staple";

beforeAll(async () => {
  await loadDemoData(db, { passwordHash: await hashPassword(password) });
});

// Procedures of the shape real routers use, to exercise the base procedures on their own.
const probeRouter = router({
  clientGroups: permittedProcedure("client_groups.read").query(({ ctx }) =>
    // No tenant filter on purpose: the transaction's scope and row-level security supply it.
    ctx.db.selectFrom("client_groups").select(["institution_id", "name"]).orderBy("name").execute(),
  ),
  addThenFail: permittedProcedure("client_groups.manage").mutation(async ({ ctx }) => {
    await ctx.db
      .insertInto("client_groups")
      .values({ institution_id: ctx.institutionId, name: "Half-written" })
      .execute();
    throw new Error("something failed after the insert");
  }),
});
const probe = createCallerFactory(probeRouter);

async function contextFor(email: string) {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers }),
  ).auth.signIn({ email, password });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  return createContextInner({
    db: appDb,
    jobs,
    log,
    requestId: null,
    session: await resolveSession(appDb, token, new Date()),
  });
}

describe("permitted procedures", () => {
  it("refuse a role without the permission with FORBIDDEN naming it", async () => {
    await expect(probe(await contextFor("ada.learner@example.org")).clientGroups()).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: 'Your role (learner) does not have the "client_groups.read" permission',
    });
  });

  it("run in the active membership's institution: an unfiltered query sees only its rows", async () => {
    const groups = await probe(await contextFor("chloe.admin@example.org")).clientGroups();
    const northwind = await db
      .selectFrom("institutions")
      .select("id")
      .where("slug", "=", "northwind-health")
      .executeTakeFirstOrThrow();
    expect(groups).toEqual([
      { institution_id: northwind.id, name: "Contoso Clinics" },
      { institution_id: northwind.id, name: "Fabrikam Care Homes" },
    ]);
  });

  it("roll back everything a failing procedure wrote", async () => {
    await expect(probe(await contextFor("chloe.admin@example.org")).addThenFail()).rejects.toMatchObject({
      code: "INTERNAL_SERVER_ERROR",
    });
    expect(await db.selectFrom("client_groups").select("name").where("name", "=", "Half-written").execute()).toEqual(
      [],
    );
  });

  it("refuse a signed-in person with no membership to act in", async () => {
    await db
      .insertInto("users")
      .values({ email: "new@example.org", display_name: "New Person", email_verified_at: new Date() })
      .execute();
    const user = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "new@example.org")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("password_credentials")
      .values({ user_id: user.id, hash: await hashPassword(password) })
      .execute();
    await expect(probe(await contextFor("new@example.org")).clientGroups()).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("refuse anyone not signed in", async () => {
    await expect(
      probe(createContextInner({ db: appDb, jobs, log, requestId: null })).clientGroups(),
    ).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });
});
