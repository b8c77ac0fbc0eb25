import type { Database } from "./client.ts";
import { loadDemoCatalogue } from "./demo-catalogue.ts";
import { setPasswordHash } from "./queries/users.ts";
import { withTenant } from "./tenancy.ts";

/** Partner institutions the demo starts with, each with its own branding. */
export const demoInstitutions = [
  {
    slug: "northwind-health",
    display_name: "Northwind Health Academy",
    primary_colour: "#0b5cad",
    accent_colour: "#f2a900",
  },
  {
    slug: "lakeside-college",
    display_name: "Lakeside Community College",
    primary_colour: "#7a2e8c",
    accent_colour: "#2e7d32",
    // Lakeside lets people create their own learner accounts (account.register), to show that flow.
    policies: { selfRegistration: true },
  },
  {
    slug: "acme-compliance",
    display_name: "ACME Compliance Training",
    primary_colour: "#1f6f43",
    accent_colour: "#b3261e",
  },
] as const;

type DemoSlug = (typeof demoInstitutions)[number]["slug"];

/** Corporate clients inside institutions: their managers see only their own learners. */
export const demoClientGroups: readonly { institution: DemoSlug; name: string }[] = [
  { institution: "northwind-health", name: "Contoso Clinics" },
  { institution: "northwind-health", name: "Fabrikam Care Homes" },
  { institution: "acme-compliance", name: "Globex Corporation" },
];

export interface DemoPerson {
  email: string;
  displayName: string;
  /** What the start banner says this account is for. */
  purpose: string;
  memberships: readonly { institution: DemoSlug; role: string; clientGroup?: string }[];
}

/** One person in three institutions under three roles, and one person of each role. */
export const demoPeople: readonly DemoPerson[] = [
  {
    email: "morgan.lee@example.org",
    displayName: "Morgan Lee",
    purpose: "learner at Northwind, instructor at Lakeside, admin at ACME: try the membership switcher",
    memberships: [
      { institution: "northwind-health", role: "learner" },
      { institution: "lakeside-college", role: "instructor" },
      { institution: "acme-compliance", role: "course_admin" },
    ],
  },
  {
    email: "ada.learner@example.org",
    displayName: "Ada Okafor",
    purpose: "learner (Contoso Clinics)",
    memberships: [{ institution: "northwind-health", role: "learner", clientGroup: "Contoso Clinics" }],
  },
  {
    email: "ivan.instructor@example.org",
    displayName: "Ivan Petrov",
    purpose: "instructor",
    memberships: [{ institution: "northwind-health", role: "instructor" }],
  },
  {
    email: "chloe.admin@example.org",
    displayName: "Chloé Martin",
    purpose: "course admin",
    memberships: [{ institution: "northwind-health", role: "course_admin" }],
  },
  {
    email: "sam.support@example.org",
    displayName: "Sam Rivera",
    purpose: "support agent",
    memberships: [{ institution: "northwind-health", role: "support_agent" }],
  },
  {
    email: "kim.manager@example.org",
    displayName: "Kim Tanaka",
    purpose: "client manager for Contoso Clinics",
    memberships: [{ institution: "northwind-health", role: "client_manager", clientGroup: "Contoso Clinics" }],
  },
  {
    email: "pat.platform@example.org",
    displayName: "Pat Quinn",
    purpose: "platform admin",
    memberships: [{ institution: "lakeside-college", role: "platform_admin" }],
  },
];

export interface DemoDataResult {
  institutionsAdded: number;
  peopleAdded: number;
}

/**
 * Loads the demo data idempotently: a second run neither duplicates rows nor overwrites later edits
 * (a renamed institution, a changed password). Every demo person gets the password whose argon2id hash
 * is passed in; hashing belongs to packages/auth, which this package does not import.
 */
export async function loadDemoData(db: Database, options: { passwordHash?: string } = {}): Promise<DemoDataResult> {
  const added = await db
    .insertInto("institutions")
    .values(
      demoInstitutions.map((institution) => ({
        ...institution,
        policies: JSON.stringify("policies" in institution ? institution.policies : {}),
      })),
    )
    .onConflict((oc) => oc.column("slug").doNothing())
    .returning("id")
    .execute();

  const institutions = await db.selectFrom("institutions").select(["id", "slug"]).execute();
  const institutionId = (slug: DemoSlug) => institutions.find((row) => row.slug === slug)?.id ?? "";

  for (const slug of new Set(demoClientGroups.map((group) => group.institution))) {
    await withTenant(db, { institutionId: institutionId(slug) }, (trx) =>
      trx
        .insertInto("client_groups")
        .values(
          demoClientGroups
            .filter((group) => group.institution === slug)
            .map((group) => ({ institution_id: institutionId(slug), name: group.name })),
        )
        .onConflict((oc) => oc.columns(["institution_id", "name"]).doNothing())
        .execute(),
    );
  }

  let peopleAdded = 0;
  for (const person of demoPeople) {
    const inserted = await db
      .insertInto("users")
      .values({ email: person.email, display_name: person.displayName, email_verified_at: new Date() })
      .onConflict((oc) => oc.column("email").doNothing())
      .returning("id")
      .executeTakeFirst();
    if (!inserted) continue;
    peopleAdded += 1;
    if (options.passwordHash) await setPasswordHash(db, inserted.id, options.passwordHash);
    for (const membership of person.memberships) {
      const tenant = institutionId(membership.institution);
      await withTenant(db, { institutionId: tenant }, async (trx) => {
        const clientGroup = membership.clientGroup
          ? await trx
              .selectFrom("client_groups")
              .select("id")
              .where("name", "=", membership.clientGroup)
              .executeTakeFirst()
          : undefined;
        await trx
          .insertInto("memberships")
          .values({
            institution_id: tenant,
            user_id: inserted.id,
            role: membership.role,
            client_group_id: clientGroup?.id ?? null,
          })
          .execute();
      });
    }
  }
  await loadDemoCatalogue(
    db,
    {
      "northwind-health": institutionId("northwind-health"),
      "acme-compliance": institutionId("acme-compliance"),
      "lakeside-college": institutionId("lakeside-college"),
    },
    options,
  );
  return { institutionsAdded: added.length, peopleAdded };
}

/**
 * Lakeside's demo identity provider (demo mode only): served by the API at /demo-idp/ when the main job sets
 * LEARNOPS_DEMO_IDP. Trusted for addresses, so the demo's existing accounts are linked by their verified
 * address; it may grant learner and instructor. Idempotent; the addresses follow the port in use.
 */
export async function loadDemoIdentityProvider(
  db: Database,
  params: { name: string; entityId: string; ssoUrl: string; certificate: string },
): Promise<void> {
  const lakeside = await db
    .selectFrom("institutions")
    .select("id")
    .where("slug", "=", "lakeside-college")
    .executeTakeFirst();
  if (!lakeside) return;
  await withTenant(db, { institutionId: lakeside.id }, async (trx) => {
    // The port may differ from the last run: an earlier demo identity provider is replaced.
    await trx
      .deleteFrom("saml_identity_providers")
      .where("entity_id", "like", "%/demo-idp/metadata")
      .where("entity_id", "<>", params.entityId)
      .execute();
    await trx
      .insertInto("saml_identity_providers")
      .values({
        institution_id: lakeside.id,
        name: params.name,
        entity_id: params.entityId,
        sso_url: params.ssoUrl,
        certificates: [params.certificate],
        trusts_email: true,
        assertable_roles: ["learner", "instructor"],
      })
      .onConflict((oc) =>
        oc
          .columns(["institution_id", "entity_id"])
          .doUpdateSet({ sso_url: params.ssoUrl, certificates: [params.certificate] }),
      )
      .execute();
  });
}
