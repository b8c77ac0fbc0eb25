import { verify, X509Certificate } from "node:crypto";
import { createContextInner, localPublicUrl as publicUrl } from "@learnops/api/context";
import { createCaller } from "@learnops/api/root";
import { resolveSession, startSession } from "@learnops/api/sessions";
import { type SamlRefusalReason, samlRefusalReasons } from "@learnops/auth/saml/refusals";
import { serviceProviderEndpoints } from "@learnops/auth/saml/service-provider";
import {
  encryptLoginResponseAssertion,
  loginResponseXml,
  logoutRequestUrl,
  newSamlId,
  publishedCertificates,
  type ResponseContent,
  readRedirectAuthnRequest,
  type SimulatedIdentityProviderKeys,
  signLoginResponse,
  toBase64,
  verifyRedirectAuthnRequest,
} from "@learnops/auth/saml/simulated-identity-provider";
import { attackerKeys, nextIdentityProviderKeys, testIdentityProviderKeys } from "@learnops/auth/saml/testing/keys";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { listOwnMemberships } from "@learnops/db/queries/memberships";
import { withUser } from "@learnops/db/tenancy";
import { captureLog } from "@learnops/jobs/testing/log";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createServer } from "./server.ts";

// SAML sign-in over HTTP, against a real identity provider in this process (samlify signing with its own
// key pair) and the real database: a valid sign-in works, and every forged, stale, misdirected, replayed or
// wrapped response is refused with its reason, an audit event and an error page.

const { appDb, db: ownerDb, jobs } = await setupTestJobQueue();
const serverLog = captureLog();
const app = createServer({ services: { db: appDb, jobs, publicUrl }, log: serverLog.log, webAppsDir: null });

const slug = "lakeside-college";
const sp = serviceProviderEndpoints(publicUrl, slug);
const idpEntityId = "https://idp.lakeside.example.edu/saml";
const otherIdpEntityId = "https://login.partner.example.org/saml";
let institutionId = "";
let identityProviderId = "";
let otherIdentityProviderId = "";

function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

/**
 * Whether a redirect-binding message (our logout request or response) carries a query signature valid for a
 * signing certificate the institution's metadata publishes: what the identity provider checks.
 */
async function signedWithPublishedKey(location: string): Promise<boolean> {
  const metadataXml = await (await app.request(`/auth/saml/${slug}/metadata`)).text();
  const raw = new Map(
    new URL(location).search
      .slice(1)
      .split("&")
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as const),
  );
  const signature = raw.get("Signature");
  if (!signature || decodeURIComponent(raw.get("SigAlg") ?? "") !== "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
    return false;
  const octets = ["SAMLRequest", "SAMLResponse", "RelayState", "SigAlg"]
    .filter((name) => raw.has(name))
    .map((name) => `${name}=${raw.get(name)}`)
    .join("&");
  return publishedCertificates(metadataXml).signing.some((body) =>
    verify(
      "sha256",
      Buffer.from(octets),
      new X509Certificate(`-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`).publicKey,
      Buffer.from(decodeURIComponent(signature), "base64"),
    ),
  );
}

beforeAll(async () => {
  institutionId = (
    await ownerDb
      .insertInto("institutions")
      .values({ slug, display_name: "Lakeside College", primary_colour: "#0f4c81" })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  identityProviderId = (
    await ownerDb
      .insertInto("saml_identity_providers")
      .values({
        institution_id: institutionId,
        name: "Lakeside College staff and students",
        entity_id: idpEntityId,
        sso_url: "https://idp.lakeside.example.edu/sso",
        // A rollover in progress: the current certificate and the next one are both accepted.
        certificates: [testIdentityProviderKeys.certificate, pemBody(nextIdentityProviderKeys.certificate)],
        assertable_roles: ["learner", "instructor", "client_manager"],
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  otherIdentityProviderId = (
    await ownerDb
      .insertInto("saml_identity_providers")
      .values({
        institution_id: institutionId,
        name: "Partner hospital",
        entity_id: otherIdpEntityId,
        sso_url: "https://login.partner.example.org/sso",
        certificates: [attackerKeys.certificate],
      })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
  await ownerDb
    .insertInto("client_groups")
    .values({ institution_id: institutionId, name: "Harbour Clinics" })
    .execute();
});

/** A member of Lakeside's staff, signed in with a password, calling procedures. */
async function staffCaller(role: "course_admin", now?: () => Date) {
  const user = await ownerDb
    .insertInto("users")
    .values({ email: `${role}.${Date.now()}@lakeside.example.edu`, display_name: `Lakeside ${role}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  await ownerDb.insertInto("memberships").values({ institution_id: institutionId, user_id: user.id, role }).execute();
  const membership = (await withUser(appDb, user.id, (trx) => listOwnMemberships(trx, user.id)))[0] ?? null;
  const { token } = await startSession(appDb, { userId: user.id, membership, ip: null, userAgent: null }, new Date());
  const session = await resolveSession(appDb, token, new Date());
  return createCaller(
    createContextInner({ db: appDb, jobs, log: captureLog().log, requestId: null, session, ...(now ? { now } : {}) }),
  );
}

/** Starts a sign-in as the browser would and returns the id of the request the IdP receives. */
async function startSignIn(idp = identityProviderId, query = ""): Promise<string> {
  const response = await app.request(`/auth/saml/${slug}/login?idp=${idp}${query}`);
  expect(response.status).toBe(302);
  const location = response.headers.get("location") ?? "";
  const request = readRedirectAuthnRequest(location);
  expect(request.issuer).toBe(sp.entityId);
  return request.id;
}

function content(requestId: string | null, overrides: Partial<ResponseContent> = {}): ResponseContent {
  return {
    acsUrl: sp.acsUrl,
    audience: sp.entityId,
    issuer: idpEntityId,
    inResponseTo: requestId,
    nameId: "pat.lee@lakeside.example.edu",
    attributes: { email: "pat.lee@lakeside.example.edu", givenName: "Pat", sn: "Lee" },
    ...overrides,
  };
}

function signed(
  values: ResponseContent,
  keys: SimulatedIdentityProviderKeys = testIdentityProviderKeys,
  what: "assertion" | "response" | "both" = "assertion",
): string {
  return signLoginResponse(loginResponseXml(values), keys, what);
}

function postResponse(samlResponseBase64: string) {
  return app.request(`/auth/saml/${slug}/acs`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ SAMLResponse: samlResponseBase64 }).toString(),
  });
}

async function lastRefusal() {
  const event = await ownerDb
    .selectFrom("audit_events")
    .select(["action", "after", "target_id"])
    .where("institution_id", "=", institutionId)
    .where("action", "=", "saml.sign_in_refused")
    .orderBy("id", "desc")
    .executeTakeFirst();
  return event?.after as { reason: string } | undefined;
}

async function expectRefused(response: Response, reason: SamlRefusalReason, status = 400) {
  expect(response.status).toBe(status);
  expect(response.headers.get("set-cookie")).toBeNull();
  const page = await response.text();
  expect(page).toContain("We could not sign you in");
  expect(page).toContain(samlRefusalReasons[reason].replaceAll("'", "&#39;"));
  expect(page).toContain("Lakeside College");
  expect(page).toContain(`href="/learn/${slug}"`);
  expect((await lastRefusal())?.reason).toBe(reason);
}

const parse = (xml: string) => new DOMParser().parseFromString(xml, "text/xml");
const serialize = (node: Node) => new XMLSerializer().serializeToString(node);
const samlp = "urn:oasis:names:tc:SAML:2.0:protocol";
const saml = "urn:oasis:names:tc:SAML:2.0:assertion";
const ds = "http://www.w3.org/2000/09/xmldsig#";

/** The one element of this name in a document (or under an element). */
function element(scope: Document | Element, namespace: string, localName: string, index = 0): Element {
  const found = scope.getElementsByTagNameNS(namespace, localName)[index];
  if (!found) throw new Error(`no ${localName}`);
  return found;
}

/** Changes the NameID (and email) of an assertion element: what every wrapping attack wants. */
function impersonate(assertion: Element, email: string) {
  const nameId = element(assertion, saml, "NameID");
  nameId.textContent = email;
  for (const value of Array.from(assertion.getElementsByTagNameNS(saml, "AttributeValue")))
    if (value.textContent?.includes("@")) value.textContent = email;
}

describe("SAML metadata and SP-initiated login", () => {
  it("serves each institution's SP metadata with its entity id and ACS", async () => {
    const response = await app.request(`/auth/saml/${slug}/metadata`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/samlmetadata+xml");
    const xml = await response.text();
    expect(xml).toContain(`entityID="${sp.entityId}"`);
    expect(xml).toContain(`Location="${sp.acsUrl}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
  });

  it("redirects to the identity provider with a request it stores for 10 minutes, single use", async () => {
    const requestId = await startSignIn();
    const stored = await ownerDb
      .selectFrom("saml_authn_requests")
      .selectAll()
      .where("id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(stored.identity_provider_id).toBe(identityProviderId);
    expect(stored.return_to).toBe("/learn/");
    const minutes = (stored.expires_at.getTime() - stored.created_at.getTime()) / 60_000;
    expect(minutes).toBeCloseTo(10, 0);
  });

  it("names the app a sign-in started from in the RelayState, so a refusal leads back to that app's sign-in page", async () => {
    const response = await app.request(`/auth/saml/${slug}/login?idp=${identityProviderId}&app=teach`);
    const location = response.headers.get("location") ?? "";
    expect(readRedirectAuthnRequest(location).relayState).toBe("teach");
    const refused = await app.request(`/auth/saml/${slug}/acs`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        SAMLResponse: toBase64(loginResponseXml(content(readRedirectAuthnRequest(location).id))),
        RelayState: "teach",
      }).toString(),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain(`href="/teach/sign-in/${slug}"`);
    // Anything else the identity provider echoes leads to the learner portal's page, never elsewhere.
    const other = await app.request(`/auth/saml/${slug}/acs`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ SAMLResponse: "x", RelayState: "https://evil.example" }).toString(),
    });
    expect(await other.text()).toContain(`href="/learn/${slug}"`);
  });

  it("answers 404 pages for an unknown institution or identity provider, never a 500", async () => {
    expect((await app.request(`/auth/saml/nowhere/metadata`)).status).toBe(404);
    expect((await app.request(`/auth/saml/${slug}/login?idp=not-a-uuid`)).status).toBe(404);
    const response = await app.request(`/auth/saml/${slug}/login?idp=00000000-0000-4000-8000-000000000000`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain("Identity provider not found");
    expect((await app.request(`/auth/saml/NOT%20A%20SLUG/acs`, { method: "POST" })).status).toBe(404);
  });
});

describe("a valid SAML sign-in", () => {
  it("provisions a learner, links the NameID, and starts a session in the institution's membership", async () => {
    const requestId = await startSignIn(identityProviderId, "&app=teach");
    const response = await postResponse(toBase64(signed(content(requestId))));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/teach/");
    const token = readSessionToken(response.headers.get("set-cookie"));
    expect(token).toBeTruthy();
    const session = await resolveSession(appDb, token ?? "", new Date());
    expect(session?.user.email).toBe("pat.lee@lakeside.example.edu");
    expect(session?.user.displayName).toBe("Pat Lee");
    expect(session?.membership).toMatchObject({ institution_slug: slug, role: "learner" });

    const link = await ownerDb
      .selectFrom("saml_identity_links")
      .selectAll()
      .where("name_id", "=", "pat.lee@lakeside.example.edu")
      .executeTakeFirstOrThrow();
    expect(link.identity_provider_id).toBe(identityProviderId);
    expect(link.user_id).toBe(session?.user.id);
    const actions = await ownerDb
      .selectFrom("audit_events")
      .select("action")
      .where("institution_id", "=", institutionId)
      .where("actor_user_id", "=", session?.user.id ?? "")
      .orderBy("id")
      .execute();
    expect(actions.map((event) => event.action)).toEqual([
      "saml.account_provisioned",
      "saml.identity_linked",
      "membership.created",
      "session.signed_in",
    ]);
    // The request was used up.
    expect(
      await ownerDb.selectFrom("saml_authn_requests").select("id").where("id", "=", requestId).executeTakeFirst(),
    ).toBeUndefined();
  });

  it("prefers the stored link on later sign-ins, whatever address the assertion now carries", async () => {
    const requestId = await startSignIn();
    const response = await postResponse(
      toBase64(signed(content(requestId, { attributes: { email: "p.lee@new-domain.example.edu" } }))),
    );
    expect(response.status).toBe(303);
    const session = await resolveSession(appDb, readSessionToken(response.headers.get("set-cookie")) ?? "", new Date());
    expect(session?.user.email).toBe("pat.lee@lakeside.example.edu");
  });

  it("accepts a response signed as a whole, or by the next certificate of a rollover", async () => {
    const whole = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), { nameId: "whole@lakeside.example.edu", attributes: {} }),
          testIdentityProviderKeys,
          "response",
        ),
      ),
    );
    expect(whole.status).toBe(303);
    const next = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), { nameId: "next@lakeside.example.edu", attributes: {} }),
          nextIdentityProviderKeys,
          "both",
        ),
      ),
    );
    expect(next.status).toBe(303);
  });

  it("grants an assertable role, never platform_admin, and a client group only by its exact name", async () => {
    const instructor = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), { nameId: "ira@lakeside.example.edu", attributes: { role: "instructor" } }),
        ),
      ),
    );
    const admin = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), {
            nameId: "mallory@lakeside.example.edu",
            attributes: { role: "platform_admin" },
          }),
        ),
      ),
    );
    const notAssertable = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), { nameId: "cora@lakeside.example.edu", attributes: { role: "course_admin" } }),
        ),
      ),
    );
    const manager = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), {
            nameId: "mo@lakeside.example.edu",
            attributes: { role: "client_manager", clientGroup: "Harbour Clinics" },
          }),
        ),
      ),
    );
    const roleOf = async (response: Response) =>
      (await resolveSession(appDb, readSessionToken(response.headers.get("set-cookie")) ?? "", new Date()))?.membership
        ?.role;
    expect(await roleOf(instructor)).toBe("instructor");
    expect(await roleOf(admin)).toBe("learner");
    expect(await roleOf(notAssertable)).toBe("learner");
    expect(await roleOf(manager)).toBe("client_manager");
  });
});

describe("accounts that already exist", () => {
  it("are never linked on an address claim the institution does not trust", async () => {
    await ownerDb
      .insertInto("users")
      .values({ email: "ada@lakeside.example.edu", display_name: "Ada", email_verified_at: new Date() })
      .execute();
    const response = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), { nameId: "ada-idp-1", attributes: { email: "ada@lakeside.example.edu" } }),
        ),
      ),
    );
    await expectRefused(response, "account_link_required", 403);
    expect(
      await ownerDb.selectFrom("saml_identity_links").select("id").where("name_id", "=", "ada-idp-1").execute(),
    ).toEqual([]);
  });

  it("are linked once an admin of the institution confirms the refused sign-in's link request", async () => {
    const requests = await ownerDb
      .selectFrom("saml_link_requests")
      .select(["id", "name_id", "asserted_email"])
      .where("institution_id", "=", institutionId)
      .execute();
    expect(requests.map(({ name_id, asserted_email }) => ({ name_id, asserted_email }))).toEqual([
      { name_id: "ada-idp-1", asserted_email: "ada@lakeside.example.edu" },
    ]);
    const admin = await staffCaller("course_admin");
    const listed = await admin.identityProviders.linkRequests();
    expect(listed).toMatchObject([
      {
        nameId: "ada-idp-1",
        email: "ada@lakeside.example.edu",
        identityProviderName: "Lakeside College staff and students",
      },
    ]);
    await expect(admin.identityProviders.confirmLink({ linkRequestId: listed[0]?.id ?? "" })).resolves.toEqual({
      linked: true,
    });
    await expect(admin.identityProviders.confirmLink({ linkRequestId: listed[0]?.id ?? "" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });

    const response = await postResponse(
      toBase64(
        signed(
          content(await startSignIn(), { nameId: "ada-idp-1", attributes: { email: "ada@lakeside.example.edu" } }),
        ),
      ),
    );
    expect(response.status).toBe(303);
    const session = await resolveSession(appDb, readSessionToken(response.headers.get("set-cookie")) ?? "", new Date());
    expect(session?.user.displayName).toBe("Ada");
    expect(session?.membership).toMatchObject({ institution_slug: slug, role: "learner" });
  });

  it("start sessions that act in the signing institution only, never in the account's other institutions", async () => {
    const other = await ownerDb
      .insertInto("institutions")
      .values({ slug: "other-college", display_name: "Other College", primary_colour: "#333333" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const ada = await ownerDb
      .selectFrom("users")
      .select("id")
      .where("email", "=", "ada@lakeside.example.edu")
      .executeTakeFirstOrThrow();
    const elsewhere = await ownerDb
      .insertInto("memberships")
      .values({ institution_id: other.id, user_id: ada.id, role: "course_admin" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const response = await postResponse(
      toBase64(signed(content(await startSignIn(), { nameId: "ada-idp-1", attributes: {} }))),
    );
    const token = readSessionToken(response.headers.get("set-cookie")) ?? "";
    const session = await resolveSession(appDb, token, new Date());
    expect(session?.samlInstitutionId).toBe(institutionId);
    const caller = createCaller(
      createContextInner({ db: appDb, jobs, log: captureLog().log, requestId: null, session }),
    );
    expect((await caller.me.memberships()).map((membership) => membership.institution.slug)).toEqual([slug]);
    await expect(caller.me.switchMembership({ membershipId: elsewhere.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Sign in with your password to act at Other College"),
    });
  });

  it("are linked by a verified address when the identity provider is trusted for addresses, and not otherwise", async () => {
    await ownerDb
      .updateTable("saml_identity_providers")
      .set({ trusts_email: true })
      .where("id", "=", identityProviderId)
      .execute();
    try {
      await ownerDb.insertInto("users").values({ email: "una@lakeside.example.edu", display_name: "Una" }).execute();
      const unverified = await postResponse(
        toBase64(
          signed(
            content(await startSignIn(), { nameId: "una-idp", attributes: { email: "una@lakeside.example.edu" } }),
          ),
        ),
      );
      await expectRefused(unverified, "account_link_required", 403);

      const verified = await postResponse(
        toBase64(
          signed(
            content(await startSignIn(), { nameId: "ada-idp-2", attributes: { email: "ada@lakeside.example.edu" } }),
          ),
        ),
      );
      expect(verified.status).toBe(303);
      const session = await resolveSession(
        appDb,
        readSessionToken(verified.headers.get("set-cookie")) ?? "",
        new Date(),
      );
      expect(session?.user.displayName).toBe("Ada");
      expect(session?.membership?.institution_slug).toBe(slug);
    } finally {
      await ownerDb
        .updateTable("saml_identity_providers")
        .set({ trusts_email: false })
        .where("id", "=", identityProviderId)
        .execute();
    }
  });
});

describe("forged, stale and misdirected responses are refused", () => {
  it("refuses an unsigned response", async () => {
    await expectRefused(await postResponse(toBase64(loginResponseXml(content(await startSignIn())))), "unsigned");
  });

  it("refuses a response signed with a key that is not the identity provider's", async () => {
    await expectRefused(
      await postResponse(toBase64(signed(content(await startSignIn()), attackerKeys))),
      "bad_signature",
    );
    // The same, claiming the identity provider's certificate in its KeyInfo.
    const forged = signed(content(await startSignIn()), attackerKeys).replace(
      pemBody(attackerKeys.certificate),
      pemBody(testIdentityProviderKeys.certificate),
    );
    await expectRefused(await postResponse(toBase64(forged)), "bad_signature");
  });

  it("refuses a response changed after it was signed", async () => {
    const tampered = signed(content(await startSignIn())).replaceAll("pat.lee@", "dean@");
    await expectRefused(await postResponse(toBase64(tampered)), "bad_signature");
  });

  it("refuses an expired response and one not valid yet", async () => {
    const expired = content(await startSignIn(), { issuedAt: new Date(Date.now() - 20 * 60_000) });
    await expectRefused(await postResponse(toBase64(signed(expired))), "expired");
    const early = content(await startSignIn(), { issuedAt: new Date(Date.now() + 10 * 60_000) });
    await expectRefused(await postResponse(toBase64(signed(early))), "not_yet_valid");
  });

  it("accepts a clock a minute ahead (the skew allowed) but not three", async () => {
    const ahead = content(await startSignIn(), {
      nameId: "skew@lakeside.example.edu",
      attributes: {},
      issuedAt: new Date(Date.now() + 60_000),
    });
    expect((await postResponse(toBase64(signed(ahead)))).status).toBe(303);
    const tooFar = content(await startSignIn(), { issuedAt: new Date(Date.now() + 3 * 60_000) });
    await expectRefused(await postResponse(toBase64(signed(tooFar))), "not_yet_valid");
  });

  it("refuses a response meant for another service provider", async () => {
    const other = content(await startSignIn(), { audience: "https://other-sp.example.org/metadata" });
    await expectRefused(await postResponse(toBase64(signed(other))), "wrong_audience");
  });

  it("refuses an assertion issued by someone other than the responding identity provider", async () => {
    // Signed by Lakeside's key, the response says Lakeside, the assertion says another entity.
    const otherAssertionIssuer = (xml: string) =>
      xml.replace(
        /(<saml:Assertion[^>]*>)<saml:Issuer>[^<]*<\/saml:Issuer>/,
        "$1<saml:Issuer>https://evil.example.org/saml</saml:Issuer>",
      );
    const signedThatWay = signLoginResponse(
      otherAssertionIssuer(loginResponseXml(content(await startSignIn()))),
      testIdentityProviderKeys,
      "both",
    );
    expect(signedThatWay).toContain("https://evil.example.org/saml");
    await expectRefused(await postResponse(toBase64(signedThatWay)), "wrong_issuer");
    const xml = otherAssertionIssuer(signed(content(await startSignIn())));
    expect(xml).toContain("https://evil.example.org/saml");
    // Changing the issuer after signing breaks the signature instead.
    await expectRefused(await postResponse(toBase64(xml)), "bad_signature");
    // An issuer no identity provider of the institution has.
    const unknown = content(await startSignIn(), { issuer: "https://stranger.example.org/saml" });
    await expectRefused(await postResponse(toBase64(signed(unknown))), "unknown_identity_provider");
  });

  it("refuses a response addressed to another ACS (Destination or Recipient)", async () => {
    const destination = content(await startSignIn(), { destination: "https://evil.example.org/acs" });
    await expectRefused(await postResponse(toBase64(signed(destination))), "wrong_destination");
    const recipient = content(await startSignIn(), { recipient: "https://evil.example.org/acs" });
    await expectRefused(await postResponse(toBase64(signed(recipient))), "wrong_destination");
  });

  it("refuses an unsolicited response and one answering a request never issued here", async () => {
    await expectRefused(await postResponse(toBase64(signed(content(null)))), "unsolicited");
    await expectRefused(await postResponse(toBase64(signed(content(newSamlId())))), "unknown_request");
  });

  it("refuses a response to a request sent to another identity provider, or already answered", async () => {
    const forOther = await startSignIn(otherIdentityProviderId);
    await expectRefused(await postResponse(toBase64(signed(content(forOther)))), "unknown_request");

    const requestId = await startSignIn();
    const first = content(requestId, { nameId: "twice@lakeside.example.edu", attributes: {} });
    expect((await postResponse(toBase64(signed(first)))).status).toBe(303);
    await expectRefused(
      await postResponse(toBase64(signed({ ...first, assertionId: newSamlId() }))),
      "unknown_request",
    );
  });

  it("refuses an expired request", async () => {
    const requestId = await startSignIn();
    await ownerDb
      .updateTable("saml_authn_requests")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("id", "=", requestId)
      .execute();
    await expectRefused(await postResponse(toBase64(signed(content(requestId)))), "unknown_request");
  });

  it("refuses a replayed response", async () => {
    const response = toBase64(
      signed(content(await startSignIn(), { nameId: "replay@lakeside.example.edu", attributes: {} })),
    );
    expect((await postResponse(response)).status).toBe(303);
    await expectRefused(await postResponse(response), "replayed");
    // Both arriving at once: exactly one wins.
    const twin = toBase64(
      signed(content(await startSignIn(), { nameId: "replay@lakeside.example.edu", attributes: {} })),
    );
    const statuses = (await Promise.all([postResponse(twin), postResponse(twin)]))
      .map((answer) => answer.status)
      .sort();
    expect(statuses).toEqual([303, 400]);
  });

  it("refuses a response carrying two assertions", async () => {
    const requestId = await startSignIn();
    const doc = parse(signed(content(requestId)));
    const second = element(
      parse(signed(content(requestId, { nameId: "dean@lakeside.example.edu" }))),
      saml,
      "Assertion",
    );
    doc.documentElement?.appendChild(doc.importNode(second, true));
    await expectRefused(await postResponse(toBase64(serialize(doc))), "multiple_assertions");
  });

  it("refuses a NameID with an XML comment injected (canonicalisation would ignore it)", async () => {
    const xml = signed(
      content(await startSignIn(), {
        nameId: "pat.lee@lakeside.example.edu.attacker.example",
        attributes: {},
      }),
    ).replace("pat.lee@lakeside.example.edu.attacker.example", "pat.lee@lakeside.example.edu<!---->.attacker.example");
    await expectRefused(await postResponse(toBase64(xml)), "comment_injection");
  });

  it("refuses responses with a failure status, a document type declaration, invalid schema, or not base64", async () => {
    await expectRefused(
      await postResponse(
        toBase64(signed(content(await startSignIn(), { statusCode: "urn:oasis:names:tc:SAML:2.0:status:Responder" }))),
      ),
      "idp_refused",
    );
    const withDoctype = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "y">]>${signed(content(await startSignIn()))}`;
    await expectRefused(await postResponse(toBase64(withDoctype)), "malformed");
    const invalid = signed(content(await startSignIn())).replace(
      "</samlp:Status>",
      "<samlp:Unexpected/></samlp:Status>",
    );
    // The validator's findings go with the refusal to our log and the audit trail, not to the console.
    const consoleError = vi.spyOn(console, "error");
    const consoleDebug = vi.spyOn(console, "debug");
    try {
      await expectRefused(await postResponse(toBase64(invalid)), "schema_invalid");
      expect(consoleError).not.toHaveBeenCalled();
      expect(consoleDebug).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
      consoleDebug.mockRestore();
    }
    const refusal = (await lastRefusal()) as { reason: string; detail: string } | undefined;
    expect(refusal?.detail).toContain("Unexpected");
    expect(serverLog.entries.filter((entry) => entry.msg === "SAML sign-in refused").at(-1)).toMatchObject({
      level: 40,
      msg: "SAML sign-in refused",
      reason: "schema_invalid",
      detail: expect.stringContaining("Unexpected"),
    });
    await expectRefused(await postResponse("%%% not base64 %%%"), "malformed");
    await expectRefused(await postResponse(""), "malformed");
  });
});

describe("signature wrapping (XSW1–XSW8) is refused", () => {
  const evil = "dean@lakeside.example.edu";

  /** A validly signed response (by the identity provider), parsed, for the attack to rearrange. */
  async function signedDocument(what: "assertion" | "response") {
    return parse(signed(content(await startSignIn()), testIdentityProviderKeys, what));
  }

  it("XSW1: a forged response around the signed one, kept inside its Signature", async () => {
    const doc = await signedDocument("response");
    const original = doc.documentElement as Element;
    const forged = original.cloneNode(true) as Element;
    forged.setAttribute("ID", newSamlId());
    impersonate(element(forged, saml, "Assertion"), evil);
    const forgedSignature = element(forged, ds, "Signature");
    forgedSignature.appendChild(original.cloneNode(true));
    await expectRefused(await postResponse(toBase64(serialize(forged))), "signature_wrapping");
  });

  it("XSW2: a forged response with the signed one beside its Signature", async () => {
    const doc = await signedDocument("response");
    const original = doc.documentElement as Element;
    const forged = original.cloneNode(true) as Element;
    forged.setAttribute("ID", newSamlId());
    impersonate(element(forged, saml, "Assertion"), evil);
    const forgedSignature = element(forged, ds, "Signature");
    forged.insertBefore(original.cloneNode(true), forgedSignature);
    await expectRefused(await postResponse(toBase64(serialize(forged))), "signature_wrapping");
  });

  it("XSW3: a forged assertion before the signed one", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const forged = signedAssertion.cloneNode(true) as Element;
    forged.setAttribute("ID", newSamlId());
    forged.removeChild(element(forged, ds, "Signature"));
    impersonate(forged, evil);
    doc.documentElement?.insertBefore(forged, signedAssertion);
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("XSW4: a forged assertion wrapping the signed one", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const forged = signedAssertion.cloneNode(true) as Element;
    forged.setAttribute("ID", newSamlId());
    forged.removeChild(element(forged, ds, "Signature"));
    impersonate(forged, evil);
    doc.documentElement?.replaceChild(forged, signedAssertion);
    forged.appendChild(signedAssertion);
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("XSW5: the signed assertion altered, an unaltered copy added at the end", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const copy = signedAssertion.cloneNode(true) as Element;
    copy.removeChild(element(copy, ds, "Signature"));
    impersonate(signedAssertion, evil);
    doc.documentElement?.appendChild(copy);
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("XSW6: the signed assertion altered, an unaltered copy inside its Signature", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const copy = signedAssertion.cloneNode(true) as Element;
    copy.removeChild(element(copy, ds, "Signature"));
    impersonate(signedAssertion, evil);
    element(signedAssertion, ds, "Signature").appendChild(copy);
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("XSW7: a forged assertion with the signed one hidden in an Extensions element", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const extensions = doc.createElementNS(samlp, "samlp:Extensions");
    const forged = signedAssertion.cloneNode(true) as Element;
    forged.removeChild(element(forged, ds, "Signature"));
    impersonate(forged, evil);
    doc.documentElement?.replaceChild(forged, signedAssertion);
    extensions.appendChild(signedAssertion);
    doc.documentElement?.insertBefore(extensions, element(doc, samlp, "Status"));
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("XSW8: the signed assertion altered, the original hidden in an Object inside its Signature", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const copy = signedAssertion.cloneNode(true) as Element;
    copy.removeChild(element(copy, ds, "Signature"));
    impersonate(signedAssertion, evil);
    const object = doc.createElementNS(ds, "ds:Object");
    object.appendChild(copy);
    element(signedAssertion, ds, "Signature").appendChild(object);
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("a signature whose reference names another element than its parent", async () => {
    const doc = await signedDocument("assertion");
    const signedAssertion = element(doc, saml, "Assertion");
    const forged = signedAssertion.cloneNode(true) as Element;
    const signature = element(forged, ds, "Signature");
    forged.removeChild(signature);
    impersonate(forged, evil);
    forged.setAttribute("ID", newSamlId());
    // The signature stays on the Response, still pointing at the original assertion's id.
    doc.documentElement?.replaceChild(forged, signedAssertion);
    doc.documentElement?.insertBefore(signature, element(doc, samlp, "Status"));
    await expectRefused(await postResponse(toBase64(serialize(doc))), "signature_wrapping");
  });

  it("no wrapped response signed in any of these ways created an account for the impersonated address", async () => {
    expect(await ownerDb.selectFrom("users").select("id").where("email", "=", evil).execute()).toEqual([]);
  });
});

describe("the service provider's own keys: signed requests, encrypted assertions, rotation", () => {
  async function metadata() {
    const response = await app.request(`/auth/saml/${slug}/metadata`);
    expect(response.status).toBe(200);
    return response.text();
  }

  /** Starts a sign-in and answers the address the browser is sent to, and the request's id. */
  async function redirectToIdentityProvider() {
    const response = await app.request(`/auth/saml/${slug}/login?idp=${identityProviderId}`);
    expect(response.status).toBe(302);
    const location = response.headers.get("location") ?? "";
    return { location, requestId: readRedirectAuthnRequest(location).id };
  }

  /** A signed assertion for this request, encrypted for a certificate. */
  async function encryptedResponse(requestId: string, certificate: string, overrides: Partial<ResponseContent> = {}) {
    return toBase64(await encryptLoginResponseAssertion(signed(content(requestId, overrides)), certificate));
  }

  async function expectSignedIn(response: Response) {
    expect(response.status).toBe(303);
    expect(readSessionToken(response.headers.get("set-cookie"))).toBeTruthy();
  }

  let firstCertificate = "";

  it("signs every AuthnRequest with the institution's key, which the IdP verifies with the published certificate", async () => {
    const xml = await metadata();
    expect(xml).toContain('AuthnRequestsSigned="true"');
    const published = publishedCertificates(xml);
    expect(published.signing).toHaveLength(1);
    expect(published.encryption).toEqual(published.signing);
    firstCertificate = published.signing[0] ?? "";

    const { location } = await redirectToIdentityProvider();
    const check = (redirectUrl: string) =>
      verifyRedirectAuthnRequest({ redirectUrl, serviceProviderMetadata: xml, identityProviderEntityId: idpEntityId });
    expect(await check(location)).toBe(firstCertificate);
    // Altered, unsigned, or checked against another service provider's certificate: not verified.
    const url = new URL(location);
    const signature = url.searchParams.get("Signature") ?? "";
    url.searchParams.set("Signature", `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`);
    expect(await check(url.toString())).toBeNull();
    expect(await check(location.replace(/&Signature=[^&]*/, ""))).toBeNull();
    const foreign = xml.replaceAll(firstCertificate, pemBody(attackerKeys.certificate));
    expect(
      await verifyRedirectAuthnRequest({
        redirectUrl: location,
        serviceProviderMetadata: foreign,
        identityProviderEntityId: idpEntityId,
      }),
    ).toBeNull();
  });

  it("lists the keys for admins without ever returning a private key", async () => {
    const admin = await staffCaller("course_admin");
    const listed = await admin.identityProviders.serviceProviderKeys();
    expect(listed.keys).toMatchObject([
      { status: "current", certificate: expect.stringContaining(firstCertificate.slice(0, 40)) },
    ]);
    expect(listed.metadataUrl).toBe(sp.metadataUrl);
    expect(JSON.stringify(listed)).not.toMatch(/PRIVATE KEY|privateKey|private_key/);
    // A new certificate has years to run: nothing to do yet.
    expect(listed.renewal).toEqual({ step: "none" });

    // Thirty days before it runs out, the page asks for the next key.
    const notAfter = listed.keys[0]?.notAfter ?? "";
    const later = await staffCaller("course_admin", () => new Date(Date.parse(notAfter) - 30 * 86_400_000));
    expect((await later.identityProviders.serviceProviderKeys()).renewal).toEqual({
      step: "prepare",
      expiresAt: notAfter,
      daysLeft: 30,
    });
  });

  it("signs in with an encrypted assertion, signed inside, or inside a signed response", async () => {
    await expectSignedIn(
      await postResponse(
        await encryptedResponse((await redirectToIdentityProvider()).requestId, firstCertificate, {
          nameId: "encrypted@lakeside.example.edu",
          attributes: {},
        }),
      ),
    );
    // Encrypted first, then the whole response signed: the Response's signature covers the EncryptedAssertion.
    const encrypted = await encryptLoginResponseAssertion(
      loginResponseXml(
        content((await redirectToIdentityProvider()).requestId, {
          nameId: "encrypted@lakeside.example.edu",
          attributes: {},
        }),
      ),
      firstCertificate,
    );
    await expectSignedIn(
      await postResponse(toBase64(signLoginResponse(encrypted, testIdentityProviderKeys, "response"))),
    );
  });

  it("checks a decrypted assertion as strictly as a plain one", async () => {
    const unsigned = await encryptLoginResponseAssertion(
      loginResponseXml(content((await redirectToIdentityProvider()).requestId)),
      firstCertificate,
    );
    await expectRefused(await postResponse(toBase64(unsigned)), "unsigned");

    const forged = await encryptLoginResponseAssertion(
      signed(content((await redirectToIdentityProvider()).requestId), attackerKeys),
      firstCertificate,
    );
    await expectRefused(await postResponse(toBase64(forged)), "bad_signature");

    // Signed, then altered before it was encrypted.
    const document = parse(signed(content((await redirectToIdentityProvider()).requestId)));
    impersonate(element(document, saml, "Assertion"), "victim@lakeside.example.edu");
    await expectRefused(
      await postResponse(toBase64(await encryptLoginResponseAssertion(serialize(document), firstCertificate))),
      "bad_signature",
    );

    // A comment inside the encrypted assertion (canonicalisation would drop it).
    const commented = signed(content((await redirectToIdentityProvider()).requestId)).replace(
      "pat.lee@lakeside.example.edu</saml:NameID>",
      "pat.lee@lakeside.example.edu<!---->.evil</saml:NameID>",
    );
    await expectRefused(
      await postResponse(toBase64(await encryptLoginResponseAssertion(commented, firstCertificate))),
      "comment_injection",
    );

    // Meant for another service provider; addressed elsewhere.
    await expectRefused(
      await postResponse(
        await encryptedResponse((await redirectToIdentityProvider()).requestId, firstCertificate, {
          audience: "https://other-sp.example.org/metadata",
        }),
      ),
      "wrong_audience",
    );

    // XSW on the decrypted document: the signed assertion wrapped in a forged one before encryption.
    const wrapped = parse(signed(content((await redirectToIdentityProvider()).requestId)));
    const original = element(wrapped, saml, "Assertion");
    const forgedAssertion = original.cloneNode(true) as Element;
    forgedAssertion.setAttribute("ID", newSamlId());
    impersonate(forgedAssertion, "victim@lakeside.example.edu");
    const forgedSignature = element(forgedAssertion, ds, "Signature");
    forgedSignature.parentNode?.removeChild(forgedSignature);
    forgedAssertion.appendChild(original.cloneNode(true));
    original.parentNode?.replaceChild(forgedAssertion, original);
    await expectRefused(
      await postResponse(toBase64(await encryptLoginResponseAssertion(serialize(wrapped), firstCertificate))),
      "signature_wrapping",
    );

    // A plain assertion beside the encrypted one.
    const beside = parse(
      await encryptLoginResponseAssertion(
        signed(content((await redirectToIdentityProvider()).requestId)),
        firstCertificate,
      ),
    );
    const plain = parse(signed(content(newSamlId(), { nameId: "victim@lakeside.example.edu" })));
    beside.documentElement?.appendChild(beside.importNode(element(plain, saml, "Assertion"), true));
    await expectRefused(await postResponse(toBase64(serialize(beside))), "signature_wrapping");

    // The assertion's issuer is encrypted: without the Response's own, no identity provider can be chosen.
    const anonymous = parse(
      await encryptLoginResponseAssertion(
        signed(content((await redirectToIdentityProvider()).requestId)),
        firstCertificate,
      ),
    );
    const responseIssuer = element(anonymous, saml, "Issuer");
    responseIssuer.parentNode?.removeChild(responseIssuer);
    await expectRefused(await postResponse(toBase64(serialize(anonymous))), "unknown_identity_provider");

    // RSA PKCS#1 v1.5 key transport (padding oracles) is not decrypted.
    const oldFashioned = await encryptLoginResponseAssertion(
      signed(content((await redirectToIdentityProvider()).requestId)),
      firstCertificate,
      { key: "http://www.w3.org/2001/04/xmlenc#rsa-1_5" },
    );
    await expectRefused(await postResponse(toBase64(oldFashioned)), "encrypted_assertion");
  });

  it("refuses an assertion encrypted for a key this service provider never held", async () => {
    await expectRefused(
      await postResponse(
        await encryptedResponse((await redirectToIdentityProvider()).requestId, attackerKeys.certificate),
      ),
      "encrypted_assertion",
    );
  });

  it("rotates keys: next published, then activated, previous still decrypting, then retired; each audited", async () => {
    const admin = await staffCaller("course_admin");
    const next = await admin.identityProviders.createNextServiceProviderKey();
    expect(next.status).toBe("next");
    expect(JSON.stringify(next)).not.toMatch(/PRIVATE KEY|privateKey/);
    await expect(admin.identityProviders.createNextServiceProviderKey()).rejects.toMatchObject({ code: "CONFLICT" });
    const nextCertificate = pemBody(next.certificate);

    // Both certificates are published; requests are still signed with the current key.
    const during = await metadata();
    expect(publishedCertificates(during).signing).toEqual([firstCertificate, nextCertificate]);
    expect(publishedCertificates(during).encryption).toEqual([firstCertificate, nextCertificate]);
    const before = await redirectToIdentityProvider();
    expect(
      await verifyRedirectAuthnRequest({
        redirectUrl: before.location,
        serviceProviderMetadata: during,
        identityProviderEntityId: idpEntityId,
      }),
    ).toBe(firstCertificate);
    // An IdP that already took up the next certificate may encrypt for it before the switch.
    await expectSignedIn(
      await postResponse(await encryptedResponse((await redirectToIdentityProvider()).requestId, nextCertificate)),
    );

    await admin.identityProviders.activateNextServiceProviderKey();
    await expect(admin.identityProviders.activateNextServiceProviderKey()).rejects.toMatchObject({ code: "CONFLICT" });
    // A sign-in started before the switch completes after it, encrypted for the old key.
    await expectSignedIn(await postResponse(await encryptedResponse(before.requestId, firstCertificate)));
    const after = await redirectToIdentityProvider();
    const afterMetadata = await metadata();
    expect(publishedCertificates(afterMetadata).signing).toEqual([nextCertificate]);
    expect(
      await verifyRedirectAuthnRequest({
        redirectUrl: after.location,
        serviceProviderMetadata: afterMetadata,
        identityProviderEntityId: idpEntityId,
      }),
    ).toBe(nextCertificate);
    await expectSignedIn(await postResponse(await encryptedResponse(after.requestId, nextCertificate)));
    // Within the grace period the previous key still decrypts.
    await expectSignedIn(
      await postResponse(await encryptedResponse((await redirectToIdentityProvider()).requestId, firstCertificate)),
    );

    const { keys } = await admin.identityProviders.serviceProviderKeys();
    expect(keys.map((key) => key.status)).toEqual(["current", "previous"]);
    const previous = keys.find((key) => key.status === "previous");
    const current = keys.find((key) => key.status === "current");
    // The previous key keeps decrypting for a grace period that has not run out yet.
    expect(new Date(previous?.decryptsUntil ?? 0).getTime()).toBeGreaterThan(Date.now());
    await expect(admin.identityProviders.retireServiceProviderKey({ keyId: current?.id ?? "" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await expect(
      admin.identityProviders.retireServiceProviderKey({ keyId: "00000000-0000-4000-8000-000000000000" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    const retired = await admin.identityProviders.retireServiceProviderKey({ keyId: previous?.id ?? "" });
    expect(retired.keys.map((key) => key.status)).toEqual(["current", "retired"]);
    const row = await ownerDb
      .selectFrom("saml_service_provider_keys")
      .select(["private_key", "status"])
      .where("id", "=", previous?.id ?? "")
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ private_key: null, status: "retired" });

    // Encrypted for the retired key: refused. Unsigned and forged responses stay refused after the rotation.
    await expectRefused(
      await postResponse(await encryptedResponse((await redirectToIdentityProvider()).requestId, firstCertificate)),
      "encrypted_assertion",
    );
    await expectRefused(
      await postResponse(
        toBase64(
          await encryptLoginResponseAssertion(
            loginResponseXml(content((await redirectToIdentityProvider()).requestId)),
            nextCertificate,
          ),
        ),
      ),
      "unsigned",
    );
    await expectRefused(
      await postResponse(
        toBase64(
          await encryptLoginResponseAssertion(
            signed(content((await redirectToIdentityProvider()).requestId), attackerKeys),
            nextCertificate,
          ),
        ),
      ),
      "bad_signature",
    );

    const events = await ownerDb
      .selectFrom("audit_events")
      .select(["action", "before", "after"])
      .where("institution_id", "=", institutionId)
      .where("action", "like", "saml.sp_key_%")
      .orderBy("id")
      .execute();
    expect(events.map((event) => event.action)).toEqual([
      "saml.sp_key_created",
      "saml.sp_key_activated",
      "saml.sp_key_retired",
    ]);
    expect(JSON.stringify(events)).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });
});

describe("single logout", () => {
  const nameId = "logout@lakeside.example.edu";

  async function signedInSession() {
    const response = await postResponse(toBase64(signed(content(await startSignIn(), { nameId, attributes: {} }))));
    expect(response.status).toBe(303);
    return readSessionToken(response.headers.get("set-cookie")) ?? "";
  }

  /** The path and query of a logout request URL, to request from the app in this process. */
  const pathOf = (url: string) => {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  };

  function idpLogout(overrides: Partial<Parameters<typeof logoutRequestUrl>[0]> = {}) {
    return logoutRequestUrl({
      keys: testIdentityProviderKeys,
      issuer: idpEntityId,
      serviceProvider: { entityId: sp.entityId, sloUrl: sp.sloUrl },
      nameId,
      ...overrides,
    });
  }

  async function lastLogoutRefusal() {
    const event = await ownerDb
      .selectFrom("audit_events")
      .select("after")
      .where("action", "=", "saml.logout_refused")
      .orderBy("id", "desc")
      .executeTakeFirst();
    return (event?.after as { reason: string } | undefined)?.reason;
  }

  it("ends the sessions an identity provider's signed logout request names (IdP-initiated)", async () => {
    const token = await signedInSession();
    expect(await resolveSession(appDb, token, new Date())).not.toBeNull();
    const response = await app.request(pathOf(idpLogout()));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("You are signed out");
    expect(await resolveSession(appDb, token, new Date())).toBeNull();
    const event = await ownerDb
      .selectFrom("audit_events")
      .select("after")
      .where("action", "=", "saml.logged_out")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(event.after).toEqual({ initiatedBy: "identity_provider", sessionsEnded: 1 });
  });

  it("answers with a logout response to the identity provider's SLO address when it has one", async () => {
    await ownerDb
      .updateTable("saml_identity_providers")
      .set({ slo_url: "https://idp.lakeside.example.edu/slo" })
      .where("id", "=", identityProviderId)
      .execute();
    try {
      const token = await signedInSession();
      const response = await app.request(pathOf(idpLogout()));
      expect(response.status).toBe(302);
      expect(response.headers.get("location")).toMatch(/^https:\/\/idp\.lakeside\.example\.edu\/slo\?SAMLResponse=/);
      // Our logout response is signed with the institution's current key.
      expect(await signedWithPublishedKey(response.headers.get("location") ?? "")).toBe(true);
      expect(
        await signedWithPublishedKey((response.headers.get("location") ?? "").replace(/&Signature=[^&]*/, "")),
      ).toBe(false);
      expect(await resolveSession(appDb, token, new Date())).toBeNull();

      // SP-initiated: the session ends here, then the browser goes to the identity provider with our request.
      const again = await signedInSession();
      const logout = await app.request(`/auth/saml/${slug}/logout`, {
        headers: { cookie: `learnops_session=${again}` },
      });
      expect(logout.status).toBe(303);
      expect(logout.headers.get("location")).toMatch(/^https:\/\/idp\.lakeside\.example\.edu\/slo\?SAMLRequest=/);
      expect(await signedWithPublishedKey(logout.headers.get("location") ?? "")).toBe(true);
      expect(logout.headers.get("set-cookie")).toMatch(/Max-Age=0/);
      expect(await resolveSession(appDb, again, new Date())).toBeNull();
      // The app's "Sign out" does the same, answering where to send the browser.
      const third = await signedInSession();
      const session = await resolveSession(appDb, third, new Date());
      const signedOut = await createCaller(
        createContextInner({ db: appDb, jobs, log: captureLog().log, requestId: null, session }),
      ).auth.signOut();
      expect(signedOut.singleLogoutUrl).toMatch(/^https:\/\/idp\.lakeside\.example\.edu\/slo\?SAMLRequest=/);
      expect(await resolveSession(appDb, third, new Date())).toBeNull();
      // The identity provider's answer only leads back to the sign-in page.
      const back = await app.request(`/auth/saml/${slug}/slo?SAMLResponse=anything`);
      expect(back.headers.get("location")).toBe(`/learn/${slug}`);
    } finally {
      await ownerDb
        .updateTable("saml_identity_providers")
        .set({ slo_url: null })
        .where("id", "=", identityProviderId)
        .execute();
    }
  });

  it("refuses an unsigned, wrongly signed, altered, misaddressed or replayed logout request, ending nothing", async () => {
    const token = await signedInSession();
    const refused = async (url: string, reason: string) => {
      const response = await app.request(url);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain("We could not sign you out");
      expect(await lastLogoutRefusal()).toBe(reason);
    };
    await refused(pathOf(idpLogout({ signed: false })), "unsigned");
    await refused(pathOf(idpLogout({ keys: attackerKeys })), "bad_signature");
    // A signature taken from a request for someone else, on a request naming this person.
    const other = new URL(idpLogout({ nameId: "someone.else@lakeside.example.edu" }));
    const mine = new URL(idpLogout());
    const swapped = `${mine.pathname}?SAMLRequest=${encodeURIComponent(mine.searchParams.get("SAMLRequest") ?? "")}&SigAlg=${encodeURIComponent(other.searchParams.get("SigAlg") ?? "")}&Signature=${encodeURIComponent(other.searchParams.get("Signature") ?? "")}`;
    await refused(swapped, "bad_signature");
    // Made for another service provider's SLO endpoint, delivered to ours.
    const elsewhere = new URL(
      idpLogout({ serviceProvider: { entityId: sp.entityId, sloUrl: "https://evil.example.org/slo" } }),
    );
    await refused(`/auth/saml/${slug}/slo${elsewhere.search}`, "wrong_destination");
    await refused(pathOf(idpLogout({ issuer: "https://stranger.example.org/saml" })), "unknown_identity_provider");
    await refused(`/auth/saml/${slug}/slo?SAMLRequest=%%%`, "malformed");
    expect(await resolveSession(appDb, token, new Date())).not.toBeNull();

    const once = pathOf(idpLogout());
    expect((await app.request(once)).status).toBe(200);
    await refused(once, "replayed");
  });
});
