import type { Database } from "../client.ts";

// Every query here runs inside `withTenant` for the institution whose SAML endpoint was called: the
// institution is resolved from the URL's slug first (institutions carry no row-level security), and
// row-level security keeps each table to that institution's rows.

const identityProviderColumns = [
  "id",
  "institution_id",
  "name",
  "entity_id",
  "sso_url",
  "slo_url",
  "certificates",
  "attribute_map",
  "assertable_roles",
  "trusts_email",
  "created_at",
  "updated_at",
] as const;

export function listIdentityProviders(db: Database) {
  return db.selectFrom("saml_identity_providers").select(identityProviderColumns).orderBy("name").execute();
}

export function findIdentityProvider(db: Database, id: string) {
  return db
    .selectFrom("saml_identity_providers")
    .select(identityProviderColumns)
    .where("id", "=", id)
    .executeTakeFirst();
}

/** The institution's identity provider with this entity id (the issuer a response names). */
export function findIdentityProviderByEntityId(db: Database, entityId: string) {
  return db
    .selectFrom("saml_identity_providers")
    .select(identityProviderColumns)
    .where("entity_id", "=", entityId)
    .executeTakeFirst();
}

export type IdentityProviderRow = NonNullable<Awaited<ReturnType<typeof findIdentityProvider>>>;

/** Records an authentication request this server sent, so that exactly one response may answer it. */
export async function insertAuthnRequest(
  db: Database,
  request: { id: string; institutionId: string; identityProviderId: string; returnTo: string; expiresAt: Date },
  now: Date,
): Promise<void> {
  // Requests nobody answered are useless once expired; clearing them here keeps the table small.
  await db.deleteFrom("saml_authn_requests").where("expires_at", "<=", now).execute();
  await db
    .insertInto("saml_authn_requests")
    .values({
      id: request.id,
      institution_id: request.institutionId,
      identity_provider_id: request.identityProviderId,
      return_to: request.returnTo,
      expires_at: request.expiresAt,
    })
    .execute();
}

/**
 * Uses up the request a response answers: deleted in the statement that finds it, so two responses naming
 * the same request cannot both succeed, even at once. Null when it was never issued here, was already used,
 * has expired, or was sent to another identity provider.
 */
export function consumeAuthnRequest(db: Database, params: { id: string; identityProviderId: string; now: Date }) {
  return db
    .deleteFrom("saml_authn_requests")
    .where("id", "=", params.id)
    .where("identity_provider_id", "=", params.identityProviderId)
    .where("expires_at", ">", params.now)
    .returning(["id", "return_to"])
    .executeTakeFirst();
}

/**
 * Remembers an assertion's id until it expires. False when it was already seen: the response is a replay.
 * The primary key makes this hold across every API instance.
 */
export async function rememberAssertion(
  db: Database,
  params: { institutionId: string; identityProviderId: string; assertionId: string; expiresAt: Date; now: Date },
): Promise<boolean> {
  await db.deleteFrom("saml_seen_assertions").where("expires_at", "<=", params.now).execute();
  const inserted = await db
    .insertInto("saml_seen_assertions")
    .values({
      institution_id: params.institutionId,
      identity_provider_id: params.identityProviderId,
      assertion_id: params.assertionId,
      expires_at: params.expiresAt,
    })
    .onConflict((oc) => oc.columns(["institution_id", "assertion_id"]).doNothing())
    .returning("assertion_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The account an identity provider's NameID is linked to, with what sign-in needs of it. */
export function findLinkedUser(db: Database, params: { identityProviderId: string; nameId: string }) {
  return db
    .selectFrom("saml_identity_links")
    .innerJoin("users", "users.id", "saml_identity_links.user_id")
    .select([
      "saml_identity_links.id as link_id",
      "users.id",
      "users.email",
      "users.display_name",
      "users.status",
      "users.email_verified_at",
    ])
    .where("saml_identity_links.identity_provider_id", "=", params.identityProviderId)
    .where("saml_identity_links.name_id", "=", params.nameId)
    .executeTakeFirst();
}

export function insertIdentityLink(
  db: Database,
  link: { institutionId: string; identityProviderId: string; nameId: string; userId: string; now: Date },
) {
  return db
    .insertInto("saml_identity_links")
    .values({
      institution_id: link.institutionId,
      identity_provider_id: link.identityProviderId,
      name_id: link.nameId,
      user_id: link.userId,
      last_signed_in_at: link.now,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

export function touchIdentityLink(db: Database, linkId: string, now: Date) {
  return db.updateTable("saml_identity_links").set({ last_signed_in_at: now }).where("id", "=", linkId).execute();
}

/** A person by address, for just-in-time provisioning (users belong to no tenant). */
export function findUserByEmail(db: Database, email: string) {
  return db
    .selectFrom("users")
    .select(["id", "email", "display_name", "status", "email_verified_at"])
    .where("email", "=", email)
    .executeTakeFirst();
}

export function insertProvisionedUser(
  db: Database,
  user: { email: string; displayName: string; emailVerifiedAt: Date | null },
) {
  return db
    .insertInto("users")
    .values({ email: user.email, display_name: user.displayName, email_verified_at: user.emailVerifiedAt })
    .returning(["id", "email", "display_name", "status", "email_verified_at"])
    .executeTakeFirstOrThrow();
}

/** A person's memberships in the current institution (row-level security), every role and status. */
export function listMembershipsInInstitution(db: Database, userId: string) {
  return db
    .selectFrom("memberships")
    .select(["id", "role", "status", "client_group_id"])
    .where("user_id", "=", userId)
    .orderBy("created_at")
    .execute();
}

export function insertProvisionedMembership(
  db: Database,
  membership: { institutionId: string; userId: string; role: string; clientGroupId: string | null },
) {
  return db
    .insertInto("memberships")
    .values({
      institution_id: membership.institutionId,
      user_id: membership.userId,
      role: membership.role,
      client_group_id: membership.clientGroupId,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

/** A client group of the current institution by its exact name, for an assertion's client-group attribute. */
export function findClientGroupByName(db: Database, name: string) {
  return db.selectFrom("client_groups").select("id").where("name", "=", name).executeTakeFirst();
}

export interface IdentityProviderValues {
  name: string;
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  certificates: string[];
  trustsEmail: boolean;
  assertableRoles: string[];
  attributeMap: Record<string, string>;
}

/** Adds an identity provider to the current institution; undefined when its entity id is already configured. */
export function insertIdentityProvider(db: Database, institutionId: string, values: IdentityProviderValues) {
  return db
    .insertInto("saml_identity_providers")
    .values({
      institution_id: institutionId,
      name: values.name,
      entity_id: values.entityId,
      sso_url: values.ssoUrl,
      slo_url: values.sloUrl,
      certificates: values.certificates,
      trusts_email: values.trustsEmail,
      assertable_roles: values.assertableRoles,
      attribute_map: JSON.stringify(values.attributeMap),
    })
    .onConflict((oc) => oc.columns(["institution_id", "entity_id"]).doNothing())
    .returning(identityProviderColumns)
    .executeTakeFirst();
}

export function updateIdentityProvider(db: Database, id: string, values: Partial<IdentityProviderValues>) {
  return db
    .updateTable("saml_identity_providers")
    .set({
      ...(values.name !== undefined && { name: values.name }),
      ...(values.entityId !== undefined && { entity_id: values.entityId }),
      ...(values.ssoUrl !== undefined && { sso_url: values.ssoUrl }),
      ...(values.sloUrl !== undefined && { slo_url: values.sloUrl }),
      ...(values.certificates !== undefined && { certificates: values.certificates }),
      ...(values.trustsEmail !== undefined && { trusts_email: values.trustsEmail }),
      ...(values.assertableRoles !== undefined && { assertable_roles: values.assertableRoles }),
      ...(values.attributeMap !== undefined && { attribute_map: JSON.stringify(values.attributeMap) }),
      updated_at: new Date(),
    })
    .where("id", "=", id)
    .returning(identityProviderColumns)
    .executeTakeFirst();
}

/** Whether another of the current institution's identity providers has this entity id. */
export async function entityIdTaken(db: Database, params: { entityId: string; exceptId: string }): Promise<boolean> {
  const row = await db
    .selectFrom("saml_identity_providers")
    .select("id")
    .where("entity_id", "=", params.entityId)
    .where("id", "<>", params.exceptId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Removes an identity provider with its pending requests, remembered assertions and account links. */
export function deleteIdentityProvider(db: Database, id: string) {
  return db
    .deleteFrom("saml_identity_providers")
    .where("id", "=", id)
    .returning(["id", "name", "entity_id"])
    .executeTakeFirst();
}

/** Remembers a refused link (an existing account, an address not to be trusted alone) for an admin to decide. */
export function upsertLinkRequest(
  db: Database,
  request: {
    institutionId: string;
    identityProviderId: string;
    nameId: string;
    userId: string;
    email: string;
    now: Date;
  },
) {
  return db
    .insertInto("saml_link_requests")
    .values({
      institution_id: request.institutionId,
      identity_provider_id: request.identityProviderId,
      name_id: request.nameId,
      user_id: request.userId,
      asserted_email: request.email,
      requested_at: request.now,
    })
    .onConflict((oc) =>
      oc
        .columns(["identity_provider_id", "name_id"])
        .doUpdateSet({ user_id: request.userId, asserted_email: request.email, requested_at: request.now }),
    )
    .returning("id")
    .executeTakeFirstOrThrow();
}

/** Pending link requests of the current institution, newest first, with their identity provider's name. */
export function listLinkRequests(db: Database) {
  return db
    .selectFrom("saml_link_requests")
    .innerJoin("saml_identity_providers", "saml_identity_providers.id", "saml_link_requests.identity_provider_id")
    .select([
      "saml_link_requests.id",
      "saml_link_requests.name_id",
      "saml_link_requests.asserted_email",
      "saml_link_requests.requested_at",
      "saml_identity_providers.id as identity_provider_id",
      "saml_identity_providers.name as identity_provider_name",
    ])
    .orderBy("saml_link_requests.requested_at", "desc")
    .execute();
}

/** Takes a link request out (to confirm or reject it); undefined when it is not the current institution's. */
export function takeLinkRequest(db: Database, id: string) {
  return db
    .deleteFrom("saml_link_requests")
    .where("id", "=", id)
    .returning(["id", "institution_id", "identity_provider_id", "name_id", "user_id", "asserted_email"])
    .executeTakeFirst();
}
