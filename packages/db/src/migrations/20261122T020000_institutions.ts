import { type Kysely, sql } from "kysely";

// Migrations are frozen in time: they use only Kysely and SQL, never application code.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("institutions")
    .addColumn("id", "uuid", (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn("slug", "text", (col) =>
      col.notNull().unique().check(sql`slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) between 2 and 63`),
    )
    .addColumn("display_name", "text", (col) => col.notNull().check(sql`length(display_name) between 1 and 200`))
    .addColumn("primary_colour", "text", (col) => col.notNull().check(sql`primary_colour ~ '^#[0-9a-fA-F]{6}$'`))
    .addColumn("created_at", "timestamptz", (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable("institutions").execute();
}
