import { hashPassword } from "@learnops/auth/passwords";
import { nextIdentityProviderKeys, testIdentityProviderKeys } from "@learnops/auth/saml/testing/keys";
import { readSessionToken } from "@learnops/auth/session-cookie";
import { loadDemoData } from "@learnops/db/demo-data";
import { setupTestJobQueue } from "@learnops/jobs/testing/queue";
import { TRPCError } from "@trpc/server";
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

let ip = 0;
async function as(email: string, institutionSlug?: string) {
  const headers = new Headers();
  await createCaller(
    createContextInner({ db: appDb, jobs, log, requestId: null, responseHeaders: headers, ip: `10.3.0.${++ip}` }),
  ).auth.signIn({ email, password, ...(institutionSlug ? { institutionSlug } : {}) });
  const token = readSessionToken(headers.get("set-cookie")?.split(";")[0] ?? null) ?? "";
  return createCaller(
    createContextInner({
      db: appDb,
      jobs,
      log,
      requestId: "req-idp",
      session: await resolveSession(appDb, token, new Date()),
    }),
  );
}
const anonymous = () => createCaller(createContextInner({ db: appDb, jobs, log, requestId: null }));

const body = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");

function metadata(options: { entityId?: string; certificates?: string[]; sso?: boolean } = {}) {
  const keys = (options.certificates ?? [testIdentityProviderKeys.certificate])
    .map(
      (certificate) =>
        `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body(certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`,
    )
    .join("");
  return `<?xml version="1.0"?>
<!-- exported by the identity provider -->
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${options.entityId ?? "https://idp.northwind.example.org/saml"}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    ${keys}
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.northwind.example.org/slo"/>
    ${options.sso === false ? "" : '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.northwind.example.org/sso"/>'}
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(error)}`);
  const cause = error.cause as { issues?: { path: string[] }[] } | undefined;
  return { code: error.code, message: error.message, field: cause?.issues?.[0]?.path.join(".") ?? null };
}

const lastEvent = async (action: string) =>
  (
    await sql<{ before: unknown; after: unknown }>`
    select before, after from audit_events where action = ${action} order by id desc limit 1`.execute(db)
  ).rows[0];

describe("identity providers", () => {
  it("are created from metadata XML, listed with the SP's addresses, and offered on the sign-in page", async () => {
    const admin = await as("chloe.admin@example.org");
    const created = await admin.identityProviders.create({
      source: "metadata",
      name: "Northwind staff directory",
      metadataXml: metadata({
        certificates: [testIdentityProviderKeys.certificate, nextIdentityProviderKeys.certificate],
      }),
    });
    expect(created).toMatchObject({
      entityId: "https://idp.northwind.example.org/saml",
      ssoUrl: "https://idp.northwind.example.org/sso",
      sloUrl: "https://idp.northwind.example.org/slo",
      trustsEmail: false,
      assertableRoles: ["learner"],
      signInUrl: `/auth/saml/northwind-health/login?idp=${created.id}`,
    });
    expect(created.certificates).toHaveLength(2);
    expect(created.certificates[0]?.subject).toContain("idp.test.example.org");

    const listed = await admin.identityProviders.list();
    expect(listed.serviceProvider).toEqual({
      entityId: "http://localhost:3000/auth/saml/northwind-health/metadata",
      acsUrl: "http://localhost:3000/auth/saml/northwind-health/acs",
      metadataUrl: "http://localhost:3000/auth/saml/northwind-health/metadata",
    });
    expect(listed.identityProviders.map((idp) => idp.id)).toEqual([created.id]);
    expect(await anonymous().identityProviders.signInOptions({ slug: "northwind-health" })).toEqual([
      { name: "Northwind staff directory", signInUrl: created.signInUrl },
    ]);
    expect(await anonymous().identityProviders.signInOptions({ slug: "acme-compliance" })).toEqual([]);
    expect((await lastEvent("identity_provider.created"))?.after).toMatchObject({
      name: "Northwind staff directory",
      entityId: "https://idp.northwind.example.org/saml",
    });
  });

  it("are created from an entity id, addresses and certificates, several per institution", async () => {
    const admin = await as("chloe.admin@example.org");
    const created = await admin.identityProviders.create({
      source: "manual",
      name: "Contoso Clinics SSO",
      entityId: "https://sso.contoso.example.com",
      ssoUrl: "https://sso.contoso.example.com/saml/sso",
      certificates: [body(testIdentityProviderKeys.certificate)],
      trustsEmail: true,
      assertableRoles: ["learner", "client_manager"],
      attributeMap: { email: "Mail", clientGroup: "Company" },
    });
    expect(created).toMatchObject({
      sloUrl: null,
      trustsEmail: true,
      assertableRoles: ["learner", "client_manager"],
      attributeMap: { email: "Mail", clientGroup: "Company" },
    });
    expect((await admin.identityProviders.list()).identityProviders).toHaveLength(2);
  });

  it("refuse bad metadata, certificates and addresses with BAD_REQUEST naming the field and the problem", async () => {
    const admin = await as("chloe.admin@example.org");
    const manual = {
      source: "manual" as const,
      name: "Broken",
      entityId: "https://broken.example.org",
      ssoUrl: "https://broken.example.org/sso",
      certificates: [testIdentityProviderKeys.certificate],
    };
    expect(await refusal(admin.identityProviders.create({ ...manual, certificates: ["not a certificate!"] }))).toEqual({
      code: "BAD_REQUEST",
      field: "certificates.0",
      message: "Paste an X.509 certificate in PEM form (-----BEGIN CERTIFICATE-----)",
    });
    expect(await refusal(admin.identityProviders.create({ ...manual, certificates: ["QUJDRA=="] }))).toMatchObject({
      field: "certificates.0",
      message: "This is not a readable X.509 certificate",
    });
    expect(
      await refusal(admin.identityProviders.create({ ...manual, ssoUrl: "http://broken.example.org/sso" })),
    ).toEqual({
      code: "BAD_REQUEST",
      field: "ssoUrl",
      message: "The address must start with https://",
    });
    expect(
      await refusal(admin.identityProviders.create({ source: "metadata", name: "X", metadataXml: "<nope" })),
    ).toMatchObject({ field: "metadataXml", message: "This is not well-formed XML" });
    expect(
      await refusal(
        admin.identityProviders.create({ source: "metadata", name: "X", metadataXml: metadata({ sso: false }) }),
      ),
    ).toMatchObject({
      field: "metadataXml",
      message: "The metadata has no SingleSignOnService with the HTTP-Redirect binding",
    });
    expect(
      await refusal(
        admin.identityProviders.create({ source: "metadata", name: "X", metadataXml: metadata({ certificates: [] }) }),
      ),
    ).toMatchObject({ field: "metadataXml", message: "The metadata has no signing certificate" });
    expect(
      await refusal(admin.identityProviders.create({ source: "metadata", name: "Again", metadataXml: metadata() })),
    ).toMatchObject({
      code: "BAD_REQUEST",
      field: "metadataXml",
      message: "An identity provider with the entity id https://idp.northwind.example.org/saml is already set up here",
    });
    expect(await refusal(admin.identityProviders.create({ ...manual, certificates: [] }))).toMatchObject({
      code: "BAD_REQUEST",
      field: "certificates",
    });
  });

  it("are edited: entity id, addresses, attribute mapping and the verifies-addresses flag, a taken entity id refused", async () => {
    const admin = await as("chloe.admin@example.org");
    const [northwind, contoso] = (await admin.identityProviders.list()).identityProviders.toSorted((a, b) =>
      a.name.localeCompare(b.name),
    );
    if (!northwind || !contoso) throw new Error("two identity providers expected");
    const edited = await admin.identityProviders.update({
      identityProviderId: northwind.id,
      entityId: "https://idp.northwind.example.org/saml2",
      ssoUrl: "https://idp.northwind.example.org/sso2",
      sloUrl: null,
      attributeMap: { email: "urn:oid:0.9.2342.19200300.100.1.3" },
      trustsEmail: true,
    });
    expect(edited).toMatchObject({
      entityId: "https://idp.northwind.example.org/saml2",
      ssoUrl: "https://idp.northwind.example.org/sso2",
      sloUrl: null,
      attributeMap: { email: "urn:oid:0.9.2342.19200300.100.1.3" },
      trustsEmail: true,
    });
    expect((await lastEvent("identity_provider.updated"))?.after).toMatchObject({
      entityId: "https://idp.northwind.example.org/saml2",
    });
    expect(
      await refusal(admin.identityProviders.update({ identityProviderId: northwind.id, entityId: contoso.entityId })),
    ).toMatchObject({ code: "BAD_REQUEST", field: "entityId" });
    expect(
      await refusal(admin.identityProviders.update({ identityProviderId: northwind.id, ssoUrl: "ftp://nope" })),
    ).toMatchObject({ code: "BAD_REQUEST", field: "ssoUrl" });
  });

  it("link requests are rejected with a reason, which the audit trail keeps", async () => {
    const admin = await as("chloe.admin@example.org");
    const [idp] = (await admin.identityProviders.list()).identityProviders;
    const ada = await db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "ada.learner@example.org")
      .executeTakeFirstOrThrow();
    const institution = await db
      .selectFrom("institutions")
      .select("id")
      .where("slug", "=", "northwind-health")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("saml_link_requests")
      .values({
        institution_id: institution.id,
        identity_provider_id: idp?.id ?? "",
        name_id: "ada-idp",
        user_id: ada.id,
        asserted_email: "ada.learner@example.org",
      })
      .execute();
    const [request] = await admin.identityProviders.linkRequests();
    if (!request) throw new Error("no link request");
    expect(
      await refusal(admin.identityProviders.rejectLink({ linkRequestId: request.id, reason: "  " })),
    ).toMatchObject({ code: "BAD_REQUEST" });
    await expect(
      admin.identityProviders.rejectLink({ linkRequestId: request.id, reason: "Ada's account is a different person" }),
    ).resolves.toEqual({ rejected: true });
    expect(await admin.identityProviders.linkRequests()).toEqual([]);
    expect(await lastEvent("saml.identity_link_rejected")).toMatchObject({
      before: { nameId: "ada-idp", email: "ada.learner@example.org" },
      after: { reason: "Ada's account is a different person" },
    });
  });

  it("roll certificates over: add the next one, then drop the old one; every change is audited", async () => {
    const admin = await as("chloe.admin@example.org");
    const [idp] = (await admin.identityProviders.list()).identityProviders.filter(
      (row) => row.name === "Contoso Clinics SSO",
    );
    if (!idp) throw new Error("no Contoso identity provider");
    const both = await admin.identityProviders.update({
      identityProviderId: idp.id,
      certificates: [testIdentityProviderKeys.certificate, nextIdentityProviderKeys.certificate],
    });
    expect(both.certificates.map((certificate) => certificate.subject)).toEqual([
      "CN=idp.test.example.org",
      "CN=idp-next.test.example.org",
    ]);
    const next = await admin.identityProviders.update({
      identityProviderId: idp.id,
      certificates: [nextIdentityProviderKeys.certificate],
      name: "Contoso Clinics single sign-on",
    });
    expect(next.certificates.map((certificate) => certificate.subject)).toEqual(["CN=idp-next.test.example.org"]);
    const event = await lastEvent("identity_provider.updated");
    expect(event?.before).toMatchObject({ name: "Contoso Clinics SSO" });
    expect(event?.after).toMatchObject({ name: "Contoso Clinics single sign-on" });
    expect(
      await refusal(admin.identityProviders.update({ identityProviderId: idp.id, certificates: ["garbage"] })),
    ).toMatchObject({ field: "certificates.0" });

    await expect(admin.identityProviders.remove({ identityProviderId: idp.id })).resolves.toEqual({ removed: true });
    expect((await lastEvent("identity_provider.removed"))?.before).toMatchObject({
      name: "Contoso Clinics single sign-on",
    });
    expect(await refusal(admin.identityProviders.remove({ identityProviderId: idp.id }))).toMatchObject({
      code: "NOT_FOUND",
      message: "Identity provider was not found",
    });
  });

  it("are refused to roles without identity_providers.manage, naming the permission", async () => {
    const instructor = await as("ivan.instructor@example.org");
    expect(await refusal(instructor.identityProviders.list())).toMatchObject({
      code: "FORBIDDEN",
      message: 'Your role (instructor) does not have the "identity_providers.manage" permission',
    });
  });
});
