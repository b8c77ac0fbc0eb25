import { type MappedAttribute, mapSamlAttributes } from "@learnops/auth/saml/attributes";
import { SamlRefusal } from "@learnops/auth/saml/refusals";
import {
  authnRequestLifetimeSeconds,
  createAuthnRequest,
  createLogoutRequestUrl,
  createLogoutResponseUrl,
  type IdentityProviderConfig,
  peekLoginResponseIssuer,
  peekLogoutRequestIssuer,
  type ServiceProviderEndpoints,
  serviceProviderEndpoints,
  serviceProviderMetadata,
  verifyLoginResponse,
  verifyLogoutRequest,
} from "@learnops/auth/saml/service-provider";
import type { Role } from "@learnops/contracts/auth";
import type { Database } from "@learnops/db/client";
import { appendAuditEvent } from "@learnops/db/queries/audit";
import { findInstitutionBySlug } from "@learnops/db/queries/institutions";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import {
  consumeAuthnRequest,
  findClientGroupByName,
  findIdentityProvider,
  findIdentityProviderByEntityId,
  findLinkedUser,
  findUserByEmail,
  type IdentityProviderRow,
  insertAuthnRequest,
  insertIdentityLink,
  insertProvisionedMembership,
  insertProvisionedUser,
  listMembershipsInInstitution,
  rememberAssertion,
  touchIdentityLink,
  upsertLinkRequest,
} from "@learnops/db/queries/saml";
import { deleteSamlSessions, deleteSession, findSamlSessionDetails } from "@learnops/db/queries/sessions";
import { withTenant, withUser } from "@learnops/db/tenancy";
import { serviceProviderKeyring } from "./saml-service-provider-keys.ts";
import { type NewSession, startSession } from "./sessions.ts";

// SAML sign-in for the HTTP routes under /auth/saml/<institution>/: the institution comes from the address
// (resolved before anything else; institutions are public), every other lookup runs in its tenant scope.
// The SAML checks themselves are in packages/auth/src/saml; this module stores what they need, provisions
// the person and starts the session exactly as a password sign-in does.

export interface SamlServices {
  db: Database;
  publicUrl: string;
}

export type SamlInstitution = NonNullable<Awaited<ReturnType<typeof findInstitutionBySlug>>>;

/** No such institution, or no such identity provider in it: the routes answer 404. */
export class SamlEndpointNotFound extends Error {
  readonly what: string;
  constructor(what: string) {
    super(`${what} was not found`);
    this.what = what;
  }
}

/** An existing account the assertion may not be linked to on its address alone: an admin may confirm it. */
class AccountLinkRequired extends SamlRefusal {
  readonly userId: string;
  readonly email: string;
  readonly nameId: string;
  constructor(params: { userId: string; email: string; nameId: string }) {
    super("account_link_required", `account ${params.userId}`);
    this.userId = params.userId;
    this.email = params.email;
    this.nameId = params.nameId;
  }
}

/** A refusal at the ACS, with the institution whose page explains it. */
export class SamlSignInRefused extends Error {
  readonly refusal: SamlRefusal;
  readonly institution: SamlInstitution;
  constructor(refusal: SamlRefusal, institution: SamlInstitution) {
    super(refusal.message);
    this.refusal = refusal;
    this.institution = institution;
  }
}

/** The web apps a sign-in may lead back to; anything else is the learner portal. */
const returnPaths = { learn: "/learn/", teach: "/teach/", admin: "/admin/" } as const;
export type SamlReturnApp = keyof typeof returnPaths;

export function isSamlReturnApp(value: string | undefined): value is SamlReturnApp {
  return value !== undefined && Object.hasOwn(returnPaths, value);
}

/** The institution's sign-in page in one of the apps: where a refused sign-in leads back to. */
export function samlSignInPage(slug: string, app: SamlReturnApp): string {
  const encoded = encodeURIComponent(slug);
  return app === "learn" ? `/learn/${encoded}` : `${returnPaths[app]}sign-in/${encoded}`;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function findSamlInstitution(db: Database, slug: string): Promise<SamlInstitution> {
  const institution = /^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug) ? await findInstitutionBySlug(db, slug) : undefined;
  if (!institution) throw new SamlEndpointNotFound("Institution");
  return institution;
}

export function identityProviderConfig(row: IdentityProviderRow): IdentityProviderConfig {
  return { entityId: row.entity_id, ssoUrl: row.sso_url, sloUrl: row.slo_url, certificates: row.certificates };
}

export function endpointsFor(services: SamlServices, institution: SamlInstitution): ServiceProviderEndpoints {
  return serviceProviderEndpoints(services.publicUrl, institution.slug);
}

/** The institution's service-provider metadata (XML). */
export async function samlMetadata(services: SamlServices, slug: string): Promise<string> {
  const institution = await findSamlInstitution(services.db, slug);
  const endpoints = endpointsFor(services, institution);
  const keyring = await withTenant(services.db, { institutionId: institution.id }, (trx) =>
    serviceProviderKeyring(trx, { institutionId: institution.id, entityId: endpoints.entityId, now: new Date() }),
  );
  return serviceProviderMetadata(endpoints, keyring);
}

/**
 * Starts an SP-initiated sign-in with one of the institution's identity providers: stores the request's id
 * (single use, for 10 minutes) and answers the identity provider's address to send the browser to.
 */
export async function beginSamlSignIn(
  services: SamlServices,
  params: { slug: string; identityProviderId: string; app: SamlReturnApp; now: Date },
): Promise<{ redirectUrl: string }> {
  const institution = await findSamlInstitution(services.db, params.slug);
  return withTenant(services.db, { institutionId: institution.id }, async (trx) => {
    const row = uuidPattern.test(params.identityProviderId)
      ? await findIdentityProvider(trx, params.identityProviderId)
      : undefined;
    if (!row) throw new SamlEndpointNotFound("Identity provider");
    const endpoints = endpointsFor(services, institution);
    const keyring = await serviceProviderKeyring(trx, {
      institutionId: institution.id,
      entityId: endpoints.entityId,
      now: params.now,
    });
    // The RelayState names the app the sign-in started from, only so that a refusal page can lead back to that
    // app's sign-in page: where a successful sign-in goes comes from the stored request, never from it.
    const request = createAuthnRequest(endpoints, keyring, identityProviderConfig(row), params.app);
    await insertAuthnRequest(
      trx,
      {
        id: request.id,
        institutionId: institution.id,
        identityProviderId: row.id,
        returnTo: returnPaths[params.app],
        expiresAt: new Date(params.now.getTime() + authnRequestLifetimeSeconds * 1000),
      },
      params.now,
    );
    return { redirectUrl: request.redirectUrl };
  });
}

interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  now: Date;
}

/**
 * Completes a sign-in at the ACS: verifies the response (packages/auth), finds or provisions the person and
 * their membership here, and starts a session in it. A refusal is recorded in the institution's audit
 * trail (`saml.sign_in_refused`, with the reason) and thrown as SamlSignInRefused.
 */
export async function completeSamlSignIn(
  services: SamlServices,
  params: { slug: string; samlResponse: string } & RequestMeta,
): Promise<NewSession & { returnTo: string; userId: string; membershipId: string }> {
  const institution = await findSamlInstitution(services.db, params.slug);
  const scope = { institutionId: institution.id };
  let identityProviderId: string | null = null;
  try {
    // Which of the institution's identity providers sent it: by its (not yet verified) issuer; the
    // signature is then checked against that identity provider's certificates only, and its issuer again.
    const issuer = peekLoginResponseIssuer(params.samlResponse);
    const row = issuer
      ? await withTenant(services.db, scope, (trx) => findIdentityProviderByEntityId(trx, issuer))
      : undefined;
    if (!row) throw new SamlRefusal("unknown_identity_provider", `issuer ${issuer ?? "missing"}`);
    identityProviderId = row.id;
    const endpoints = endpointsFor(services, institution);
    const keyring = await withTenant(services.db, scope, (trx) =>
      serviceProviderKeyring(trx, { institutionId: institution.id, entityId: endpoints.entityId, now: params.now }),
    );
    const verified = await verifyLoginResponse({
      endpoints,
      keyring,
      identityProvider: identityProviderConfig(row),
      samlResponse: params.samlResponse,
      now: params.now,
      stores: {
        consumeRequest: async (requestId) => {
          const request = await withTenant(services.db, scope, (trx) =>
            consumeAuthnRequest(trx, { id: requestId, identityProviderId: row.id, now: params.now }),
          );
          return request ? { returnTo: request.return_to } : null;
        },
        rememberAssertion: (assertionId, expiresAt) =>
          withTenant(services.db, scope, (trx) =>
            rememberAssertion(trx, {
              institutionId: institution.id,
              identityProviderId: row.id,
              assertionId,
              expiresAt,
              now: params.now,
            }),
          ),
      },
    });
    const signedIn = await withTenant(services.db, scope, (trx) =>
      provision(trx, institution.id, row, verified.nameId, verified.attributes, params),
    );
    const membership = (
      await withUser(services.db, signedIn.userId, (trx) => listOwnMemberships(trx, signedIn.userId))
    ).find((candidate) => candidate.id === signedIn.membershipId);
    if (!membership) throw new Error("the membership just provisioned is not visible to its person");
    const session = await startSession(
      services.db,
      {
        userId: signedIn.userId,
        membership,
        ip: params.ip,
        userAgent: params.userAgent,
        saml: {
          institutionId: institution.id,
          identityProviderId: row.id,
          nameId: verified.nameId,
          sessionIndex: verified.sessionIndex,
        },
      },
      params.now,
    );
    await withTenant(services.db, { institutionId: institution.id, userId: signedIn.userId }, (trx) =>
      appendAuditEvent(trx, {
        institutionId: institution.id,
        action: "session.signed_in",
        actorUserId: signedIn.userId,
        activeMembershipId: membership.id,
        targetType: "user",
        targetId: signedIn.userId,
        after: { method: "saml", identityProviderId: row.id },
        requestId: params.requestId,
        ip: params.ip,
      }),
    );
    return { ...session, returnTo: verified.returnTo, userId: signedIn.userId, membershipId: membership.id };
  } catch (error) {
    if (!(error instanceof SamlRefusal)) throw error;
    await withTenant(services.db, scope, async (trx) => {
      if (error instanceof AccountLinkRequired && identityProviderId) {
        await upsertLinkRequest(trx, {
          institutionId: institution.id,
          identityProviderId,
          nameId: error.nameId,
          userId: error.userId,
          email: error.email,
          now: params.now,
        });
      }
      await appendAuditEvent(trx, {
        institutionId: institution.id,
        action: "saml.sign_in_refused",
        targetType: identityProviderId ? "saml_identity_provider" : null,
        targetId: identityProviderId,
        after: { reason: error.reason, detail: error.detail?.slice(0, 500) ?? null },
        requestId: params.requestId,
        ip: params.ip,
      });
    });
    throw new SamlSignInRefused(error, institution);
  }
}

/**
 * The person a verified assertion stands for, and their membership here. The (identity provider, NameID)
 * link wins; without one, a new address gets a new account (just-in-time provisioning), and an existing
 * account is linked only when the institution trusts this identity provider's addresses and the account's
 * own address is verified: never on an address claim alone. A first membership gets the asserted role if
 * the identity provider may grant it, otherwise learner; existing memberships keep the role admins gave.
 */
async function provision(
  trx: Database,
  institutionId: string,
  identityProvider: IdentityProviderRow,
  nameId: string,
  attributes: Record<string, string[]>,
  meta: RequestMeta,
): Promise<{ userId: string; membershipId: string }> {
  const person = mapSamlAttributes({
    nameId,
    attributes,
    attributeMap: (identityProvider.attribute_map ?? {}) as Partial<Record<MappedAttribute, string>>,
    assertableRoles: identityProvider.assertable_roles,
  });
  const audit = (event: {
    action: string;
    targetType: string;
    targetId: string;
    actorUserId: string;
    after?: unknown;
  }) => appendAuditEvent(trx, { institutionId, requestId: meta.requestId, ip: meta.ip, ...event });

  const linked = await findLinkedUser(trx, { identityProviderId: identityProvider.id, nameId });
  let user: { id: string; email: string; status: string };
  if (linked) {
    user = linked;
    await touchIdentityLink(trx, linked.link_id, meta.now);
  } else {
    if (!person.email) throw new SamlRefusal("missing_email");
    const existing = await findUserByEmail(trx, person.email);
    if (existing) {
      if (!identityProvider.trusts_email || !existing.email_verified_at)
        throw new AccountLinkRequired({ userId: existing.id, email: existing.email, nameId });
      user = existing;
    } else {
      user = await insertProvisionedUser(trx, {
        email: person.email,
        displayName: person.displayName ?? person.email,
        emailVerifiedAt: identityProvider.trusts_email ? meta.now : null,
      });
      await audit({
        action: "saml.account_provisioned",
        targetType: "user",
        targetId: user.id,
        actorUserId: user.id,
        after: { identityProviderId: identityProvider.id, email: user.email },
      });
    }
    const link = await insertIdentityLink(trx, {
      institutionId,
      identityProviderId: identityProvider.id,
      nameId,
      userId: user.id,
      now: meta.now,
    });
    await audit({
      action: "saml.identity_linked",
      targetType: "saml_identity_link",
      targetId: link.id,
      actorUserId: user.id,
      after: { identityProviderId: identityProvider.id, userId: user.id, newAccount: !existing },
    });
  }
  if (user.status !== "active") throw new SamlRefusal("account_suspended");

  // A platform admin's membership is never entered through an assertion: that role is not the identity
  // provider's to vouch for.
  const memberships = (await listMembershipsInInstitution(trx, user.id)).filter(
    (membership) => membership.role !== "platform_admin",
  );
  const active =
    memberships.find((membership) => membership.status === "active" && membership.role === person.role) ??
    memberships.find((membership) => membership.status === "active");
  if (active) return { userId: user.id, membershipId: active.id };
  if (memberships.length) throw new SamlRefusal("membership_suspended");

  const clientGroup = person.clientGroupName ? await findClientGroupByName(trx, person.clientGroupName) : undefined;
  // A client manager without a (known) client group would see nobody's learners: a learner instead.
  const role: Role = person.role === "client_manager" && !clientGroup ? "learner" : person.role;
  const membership = await insertProvisionedMembership(trx, {
    institutionId,
    userId: user.id,
    role,
    clientGroupId: clientGroup?.id ?? null,
  });
  await audit({
    action: "membership.created",
    targetType: "membership",
    targetId: membership.id,
    actorUserId: user.id,
    after: {
      userId: user.id,
      role,
      clientGroupId: clientGroup?.id ?? null,
      source: "saml",
      identityProviderId: identityProvider.id,
    },
  });
  return { userId: user.id, membershipId: membership.id };
}

/** The raw query of a request: each parameter's value as received (still URL-encoded), in order. */
function rawQueryParameters(url: string): Map<string, string> {
  const search = new URL(url).search.slice(1);
  const raw = new Map<string, string>();
  for (const pair of search.split("&")) {
    const [name = "", value = ""] = pair.split("=", 2);
    if (name && !raw.has(name)) raw.set(name, value);
  }
  return raw;
}

function decodedQueryValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeURIComponent(raw.replaceAll("+", "%20"));
  } catch {
    throw new SamlRefusal("malformed", "a query parameter is not URL-encoded");
  }
}

/**
 * IdP-initiated single logout: verifies the identity provider's logout request (signed, addressed to us,
 * recent, never seen) and ends the sessions it names. Answers where to send the browser: the identity
 * provider's SLO address with our logout response, or null when it has none. A refusal is audited
 * (`saml.logout_refused`) and thrown as SamlSignInRefused.
 */
export async function completeIdpLogout(
  services: SamlServices,
  params: { slug: string; url: string; requestId: string | null; ip: string | null; now: Date },
): Promise<{ redirectUrl: string | null; sessionsEnded: number; institution: SamlInstitution }> {
  const institution = await findSamlInstitution(services.db, params.slug);
  const scope = { institutionId: institution.id };
  let identityProviderId: string | null = null;
  try {
    const raw = rawQueryParameters(params.url);
    const query = {
      SAMLRequest: decodedQueryValue(raw.get("SAMLRequest")) ?? "",
      RelayState: decodedQueryValue(raw.get("RelayState")),
      SigAlg: decodedQueryValue(raw.get("SigAlg")),
      Signature: decodedQueryValue(raw.get("Signature")),
    };
    const issuer = peekLogoutRequestIssuer(query.SAMLRequest);
    const row = issuer
      ? await withTenant(services.db, scope, (trx) => findIdentityProviderByEntityId(trx, issuer))
      : undefined;
    if (!row) throw new SamlRefusal("unknown_identity_provider", `issuer ${issuer ?? "missing"}`);
    identityProviderId = row.id;
    const octetString = ["SAMLRequest", "RelayState", "SigAlg"]
      .filter((name) => raw.has(name))
      .map((name) => `${name}=${raw.get(name)}`)
      .join("&");
    const verified = await verifyLogoutRequest({
      endpoints: endpointsFor(services, institution),
      identityProvider: identityProviderConfig(row),
      query,
      octetString,
      now: params.now,
      rememberMessage: (messageId, expiresAt) =>
        withTenant(services.db, scope, (trx) =>
          rememberAssertion(trx, {
            institutionId: institution.id,
            identityProviderId: row.id,
            assertionId: messageId,
            expiresAt,
            now: params.now,
          }),
        ),
    });
    const sessionsEnded = await deleteSamlSessions(services.db, {
      identityProviderId: row.id,
      nameId: verified.nameId,
      sessionIndexes: verified.sessionIndexes,
    });
    await withTenant(services.db, scope, (trx) =>
      appendAuditEvent(trx, {
        institutionId: institution.id,
        action: "saml.logged_out",
        targetType: "saml_identity_provider",
        targetId: row.id,
        after: { initiatedBy: "identity_provider", sessionsEnded },
        requestId: params.requestId,
        ip: params.ip,
      }),
    );
    const endpoints = endpointsFor(services, institution);
    const keyring = await withTenant(services.db, scope, (trx) =>
      serviceProviderKeyring(trx, { institutionId: institution.id, entityId: endpoints.entityId, now: params.now }),
    );
    const redirectUrl = row.slo_url
      ? createLogoutResponseUrl(
          endpoints,
          keyring,
          { ...identityProviderConfig(row), sloUrl: row.slo_url },
          verified.requestId,
          query.RelayState,
        )
      : null;
    return { redirectUrl, sessionsEnded, institution };
  } catch (error) {
    if (!(error instanceof SamlRefusal)) throw error;
    await withTenant(services.db, scope, (trx) =>
      appendAuditEvent(trx, {
        institutionId: institution.id,
        action: "saml.logout_refused",
        targetType: identityProviderId ? "saml_identity_provider" : null,
        targetId: identityProviderId,
        after: { reason: error.reason, detail: error.detail?.slice(0, 500) ?? null },
        requestId: params.requestId,
        ip: params.ip,
      }),
    );
    throw new SamlSignInRefused(error, institution);
  }
}

/**
 * Ends a session and, when an identity provider signed it in and has an SLO address, answers that address
 * with our logout request so the identity provider ends its own session too (SP-initiated single logout).
 * Null when there is nothing more to do: a password session, or an identity provider without SLO.
 */
export async function endSessionWithSingleLogout(
  services: SamlServices,
  params: { sessionId: string; requestId: string | null; ip: string | null },
): Promise<string | null> {
  const details = await findSamlSessionDetails(services.db, params.sessionId);
  await deleteSession(services.db, params.sessionId);
  const institutionId = details?.saml_institution_id;
  const identityProviderId = details?.saml_identity_provider_id;
  if (!details || !institutionId || !identityProviderId || !details.saml_name_id) return null;
  const institution = await services.db
    .selectFrom("institutions")
    .select(["id", "slug"])
    .where("id", "=", institutionId)
    .executeTakeFirst();
  const row = await withTenant(services.db, { institutionId }, (trx) => findIdentityProvider(trx, identityProviderId));
  await withTenant(services.db, { institutionId, userId: details.user_id }, (trx) =>
    appendAuditEvent(trx, {
      institutionId,
      action: "saml.logged_out",
      actorUserId: details.user_id,
      targetType: "saml_identity_provider",
      targetId: identityProviderId,
      after: { initiatedBy: "service_provider", identityProviderToo: Boolean(row?.slo_url) },
      requestId: params.requestId,
      ip: params.ip,
    }),
  );
  if (!row?.slo_url || !institution) return null;
  const endpoints = serviceProviderEndpoints(services.publicUrl, institution.slug);
  const keyring = await withTenant(services.db, { institutionId }, (trx) =>
    serviceProviderKeyring(trx, { institutionId, entityId: endpoints.entityId, now: new Date() }),
  );
  return createLogoutRequestUrl(
    endpoints,
    keyring,
    { ...identityProviderConfig(row), sloUrl: row.slo_url },
    { nameId: details.saml_name_id, sessionIndex: details.saml_session_index },
  );
}

/** SP-initiated logout from a link (`/auth/saml/<slug>/logout`): as above, or back to the sign-in page. */
export async function beginSamlLogout(
  services: SamlServices,
  params: { slug: string; sessionId: string | null; requestId: string | null; ip: string | null },
): Promise<{ redirectUrl: string }> {
  const institution = await findSamlInstitution(services.db, params.slug);
  const signInPage = `/learn/${encodeURIComponent(institution.slug)}`;
  if (!params.sessionId) return { redirectUrl: signInPage };
  const singleLogout = await endSessionWithSingleLogout(services, { ...params, sessionId: params.sessionId });
  return { redirectUrl: singleLogout ?? signInPage };
}
