import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { withTenant, withUser } from "./tenancy.ts";
import { setupTestDatabase } from "./testing/database.ts";

const { db, appDb } = await setupTestDatabase();

const institutions = ["north", "south", "east", "west"] as const;
const ids = {} as Record<(typeof institutions)[number], string>;
let person = "";
let stranger = "";

beforeAll(async () => {
  for (const slug of institutions) {
    const row = await db
      .insertInto("institutions")
      .values({ slug, display_name: `${slug} college`, primary_colour: "#123456" })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids[slug] = row.id;
    await db
      .insertInto("client_groups")
      .values(["Acme", "Globex", "Initech"].map((name) => ({ institution_id: row.id, name: `${name} ${slug}` })))
      .execute();
  }
  person = (
    await db
      .insertInto("users")
      .values({ email: "pat@example.org", display_name: "Pat" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  stranger = (
    await db
      .insertInto("users")
      .values({ email: "sam@example.org", display_name: "Sam" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  await db
    .insertInto("memberships")
    .values([
      { institution_id: ids.north, user_id: person, role: "learner" },
      { institution_id: ids.south, user_id: person, role: "instructor" },
      { institution_id: ids.south, user_id: stranger, role: "learner" },
      { institution_id: ids.east, user_id: stranger, role: "course_admin" },
    ])
    .execute();
});

describe("row-level security", () => {
  it("shows a query with no tenant filter only the current institution's rows", async () => {
    const seen = await withTenant(appDb, { institutionId: ids.north }, (trx) =>
      trx.selectFrom("client_groups").select(["institution_id", "name"]).orderBy("name").execute(),
    );
    expect(seen.map((row) => row.name)).toEqual(["Acme north", "Globex north", "Initech north"]);
    expect(new Set(seen.map((row) => row.institution_id))).toEqual(new Set([ids.north]));
  });

  it("shows nothing at all outside a tenant scope", async () => {
    expect(await appDb.selectFrom("client_groups").selectAll().execute()).toEqual([]);
    expect(await appDb.selectFrom("memberships").selectAll().execute()).toEqual([]);
  });

  it("refuses to write a row into another institution, and cannot change or delete another's rows", async () => {
    await expect(
      withTenant(appDb, { institutionId: ids.north }, (trx) =>
        trx.insertInto("client_groups").values({ institution_id: ids.south, name: "Smuggled" }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);

    const southGroup = await db
      .selectFrom("client_groups")
      .select("id")
      .where("institution_id", "=", ids.south)
      .executeTakeFirstOrThrow();
    const [updated, deleted] = await withTenant(appDb, { institutionId: ids.north }, async (trx) => [
      await trx
        .updateTable("client_groups")
        .set({ name: "Renamed" })
        .where("id", "=", southGroup.id)
        .executeTakeFirst(),
      await trx.deleteFrom("client_groups").where("id", "=", southGroup.id).executeTakeFirst(),
    ]);
    expect(updated?.numUpdatedRows).toBe(0n);
    expect(deleted?.numDeletedRows).toBe(0n);
    expect(
      await db.selectFrom("client_groups").select("name").where("id", "=", southGroup.id).executeTakeFirst(),
    ).toBeDefined();
  });

  it("lets a person see their own memberships everywhere, and other people's only in the current institution", async () => {
    const ownEverywhere = await withUser(appDb, person, (trx) =>
      trx.selectFrom("memberships").select(["institution_id", "role"]).orderBy("role").execute(),
    );
    expect(ownEverywhere).toEqual([
      { institution_id: ids.south, role: "instructor" },
      { institution_id: ids.north, role: "learner" },
    ]);

    const inNorth = await withTenant(appDb, { institutionId: ids.north, userId: person }, (trx) =>
      trx.selectFrom("memberships").select(["user_id", "institution_id"]).execute(),
    );
    // Pat's two memberships; Sam's (south, east) stay hidden from a north-scoped transaction.
    expect(inNorth.map((row) => row.user_id)).toEqual([person, person]);
  });

  it("scopes a nested step inside a tenant transaction and restores the outer scope after it", async () => {
    const seen = await withTenant(appDb, { institutionId: ids.north, userId: person }, async (trx) => {
      const strangersOwn = await withUser(trx, stranger, (inner) =>
        inner.selectFrom("memberships").select("institution_id").execute(),
      );
      const outerAgain = await trx.selectFrom("memberships").select("user_id").execute();
      const { rows } = await sql<{ user_id: string }>`select current_setting('app.user_id', true) as user_id`.execute(
        trx,
      );
      return { strangersOwn, outerAgain, userId: rows[0]?.user_id };
    });
    // Inside: Sam's own memberships (south, east), plus whatever north shows; after: Pat's north scope again.
    expect(new Set(seen.strangersOwn.map((row) => row.institution_id))).toEqual(
      new Set([ids.north, ids.south, ids.east]),
    );
    expect(seen.outerAgain.map((row) => row.user_id)).toEqual([person, person]);
    expect(seen.userId).toBe(person);
  });

  it("cannot be switched off by the application role", async () => {
    const { rows } = await sql<{ rolsuper: boolean; rolbypassrls: boolean }>`
      select rolsuper, rolbypassrls from pg_roles where rolname = current_user`.execute(appDb);
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
    await expect(sql`alter table client_groups disable row level security`.execute(appDb)).rejects.toThrow(
      /must be owner/,
    );
    await expect(
      appDb.transaction().execute(async (trx) => {
        await sql`set local row_security = off`.execute(trx);
        return trx.selectFrom("client_groups").selectAll().execute();
      }),
    ).rejects.toThrow(/row-level security/);
  });

  it("never leaks a row across thousands of interleaved requests for different tenants over the pool", async () => {
    const requests = 3000;
    const concurrency = 20;
    let leaks = 0;
    let served = 0;
    let next = 0;
    async function client(): Promise<void> {
      while (next < requests) {
        const n = next++;
        const slug = institutions[n % institutions.length] ?? "north";
        // Every tenth request runs with no tenant at all: it must see nothing, whatever ran before on its connection.
        const rows =
          n % 10 === 9
            ? await appDb.selectFrom("client_groups").select("institution_id").execute()
            : await withTenant(appDb, { institutionId: ids[slug] }, (trx) =>
                trx.selectFrom("client_groups").select("institution_id").execute(),
              );
        const expectedCount = n % 10 === 9 ? 0 : 3;
        if (rows.length !== expectedCount || rows.some((row) => row.institution_id !== ids[slug])) leaks++;
        served++;
      }
    }
    await Promise.all(Array.from({ length: concurrency }, client));
    expect(served).toBe(requests);
    expect(leaks).toBe(0);
  });
});

describe("the audit trail", () => {
  async function append(institutionId: string, action: string, after: object) {
    await withTenant(appDb, { institutionId, userId: person }, (trx) =>
      trx
        .insertInto("audit_events")
        .values({ institution_id: institutionId, action, actor_user_id: person, after: JSON.stringify(after) })
        .execute(),
    );
  }
  async function breaks(institutionId: string) {
    const { rows } = await sql<{ sequence: string; problem: string }>`
      select sequence, problem from audit_chain_breaks(${institutionId}::uuid)`.execute(db);
    return rows.map((row) => [Number(row.sequence), row.problem]);
  }

  it("chains each institution's events and verifies untouched chains", async () => {
    for (let n = 1; n <= 5; n++) await append(ids.west, "membership.created", { n });
    await append(ids.east, "membership.created", { n: 1 });
    const chain = await db
      .selectFrom("audit_events")
      .select(["sequence", "previous_hash", "hash"])
      .where("institution_id", "=", ids.west)
      .orderBy("sequence")
      .execute();
    expect(chain.map((event) => Number(event.sequence))).toEqual([1, 2, 3, 4, 5]);
    expect(chain[1]?.previous_hash).toBe(chain[0]?.hash);
    expect(await breaks(ids.west)).toEqual([]);
    expect(await breaks(ids.east)).toEqual([]);
  });

  it("is append-only for the application role", async () => {
    await expect(
      withTenant(appDb, { institutionId: ids.west }, (trx) =>
        trx.updateTable("audit_events").set({ action: "x.y" }).execute(),
      ),
    ).rejects.toThrow(/permission denied/);
    await expect(
      withTenant(appDb, { institutionId: ids.west }, (trx) => trx.deleteFrom("audit_events").execute()),
    ).rejects.toThrow(/permission denied/);
  });

  it("detects an edited, a deleted and a truncated history", async () => {
    // Only someone able to disable the append-only trigger can rewrite history; the chain still tells.
    const tamper = (statement: ReturnType<typeof sql>) =>
      db.transaction().execute(async (trx) => {
        await sql`alter table audit_events disable trigger audit_events_immutable`.execute(trx);
        await statement.execute(trx);
        await sql`alter table audit_events enable trigger audit_events_immutable`.execute(trx);
      });

    await tamper(sql`update audit_events set after = '{"n": 99}' where institution_id = ${ids.west} and sequence = 2`);
    expect(await breaks(ids.west)).toEqual([[2, "event does not match its hash (edited)"]]);

    await tamper(sql`delete from audit_events where institution_id = ${ids.west} and sequence = 3`);
    expect(await breaks(ids.west)).toContainEqual([4, "events missing before this one (deleted)"]);

    await tamper(sql`delete from audit_events where institution_id = ${ids.east}`);
    expect(await breaks(ids.east)).toEqual([[1, "latest events missing (deleted)"]]);
  });
});
