/// <reference path="./samlify-xmllint-wasm.d.ts" />
import { validate as validateAgainstSamlSchemas } from "@authenio/samlify-xmllint-wasm";
import * as samlify from "samlify";
import { SamlRefusal } from "./refusals.ts";
import {
  checkLoginResponseShape,
  decodeSamlMessage,
  type LoginResponseDocument,
  parseSamlXml,
  readLoginResponse,
} from "./response-document.ts";

// LearnOps as a SAML service provider, one per institution, on samlify. samlify parses, validates against
// the SAML XML schemas (xmllint compiled to WebAssembly: a real validator, never a no-op) and verifies
// signatures; everything it leaves to the application is checked here: the document's shape (signature
// wrapping, comments), audience, destination and recipient, the validity window with our clock, that the
// response answers a request we issued (once), and that its assertion was not used before.

samlify.setSchemaValidator({ validate: validateAgainstSamlSchemas });

export const bindings = {
  redirect: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
  post: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
} as const;
const emailNameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const unspecifiedNameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/** How far our clock and an identity provider's may disagree: small, so a captured response dies soon. */
export const clockSkewSeconds = 120;
/** How long an authentication request waits for its answer: enough to type a password and a second factor. */
export const authnRequestLifetimeSeconds = 10 * 60;

/** The service provider of one institution: its addresses, all below /auth/saml/<slug>/. */
export interface ServiceProviderEndpoints {
  entityId: string;
  metadataUrl: string;
  loginUrl: string;
  acsUrl: string;
  sloUrl: string;
}

export function serviceProviderEndpoints(publicUrl: string, institutionSlug: string): ServiceProviderEndpoints {
  const base = `${new URL(publicUrl).origin}/auth/saml/${encodeURIComponent(institutionSlug)}`;
  return {
    // The metadata's own address is the conventional entity id: unique per institution, and resolvable.
    entityId: `${base}/metadata`,
    metadataUrl: `${base}/metadata`,
    loginUrl: `${base}/login`,
    acsUrl: `${base}/acs`,
    sloUrl: `${base}/slo`,
  };
}

/** An identity provider as an institution configured it. */
export interface IdentityProviderConfig {
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  /** PEM or bare base64 X.509 certificates; two during a rollover, either of which may sign. */
  certificates: readonly string[];
}

function serviceProvider(endpoints: ServiceProviderEndpoints) {
  return samlify.ServiceProvider({
    entityID: endpoints.entityId,
    authnRequestsSigned: false,
    wantAssertionsSigned: true,
    wantMessageSigned: false,
    nameIDFormat: [emailNameIdFormat, unspecifiedNameIdFormat],
    assertionConsumerService: [{ Binding: bindings.post, Location: endpoints.acsUrl }],
    singleLogoutService: [{ Binding: bindings.redirect, Location: endpoints.sloUrl }],
    clockDrifts: [-clockSkewSeconds * 1000, clockSkewSeconds * 1000],
  });
}

function identityProvider(config: IdentityProviderConfig, certificate: string) {
  return samlify.IdentityProvider({
    entityID: config.entityId,
    signingCert: certificate,
    wantAuthnRequestsSigned: false,
    singleSignOnService: [{ Binding: bindings.redirect, Location: config.ssoUrl }],
    singleLogoutService: config.sloUrl ? [{ Binding: bindings.redirect, Location: config.sloUrl }] : [],
  });
}

/** The institution's service-provider metadata, for its identity providers' administrators. */
export function serviceProviderMetadata(endpoints: ServiceProviderEndpoints): string {
  return serviceProvider(endpoints).getMetadata();
}

/**
 * Starts an SP-initiated sign-in: the request's id (to store, so the response can be matched to it) and the
 * identity provider's address to send the browser to (HTTP-Redirect binding).
 */
export function createAuthnRequest(
  endpoints: ServiceProviderEndpoints,
  config: IdentityProviderConfig,
  relayState: string,
): { id: string; redirectUrl: string } {
  const [certificate = ""] = config.certificates;
  const { id, context } = serviceProvider(endpoints).createLoginRequest(
    identityProvider(config, certificate),
    "redirect",
    {
      relayState,
    },
  );
  return { id, redirectUrl: context };
}

/**
 * The issuer a login response names, before anything is verified: only to choose which of an institution's
 * identity providers' certificates to verify it with (the issuer is checked again once it is verified).
 */
export function peekLoginResponseIssuer(samlResponse: string): string | null {
  const root = parseSamlXml(decodeSamlMessage(samlResponse));
  checkLoginResponseShape(root);
  const document = readLoginResponse(root);
  return document.responseIssuer ?? document.issuer;
}

/** What a login response's checks need from storage; the API passes the database's implementations. */
export interface LoginResponseStores {
  /**
   * Uses up the authentication request with this id, issued by this server to this identity provider:
   * its return path, or null when it was never issued, was already answered, or has expired.
   */
  consumeRequest(requestId: string): Promise<{ returnTo: string } | null>;
  /** Remembers an assertion id until `expiresAt`; false when it was seen before (a replay). */
  rememberAssertion(assertionId: string, expiresAt: Date): Promise<boolean>;
}

export interface VerifiedLogin {
  nameId: string;
  assertionId: string;
  sessionIndex: string | null;
  attributes: Record<string, string[]>;
  returnTo: string;
}

const signatureFailures = new Set([
  "FAILED_TO_VERIFY_SIGNATURE",
  "ERROR_UNMATCH_CERTIFICATE_DECLARATION_IN_METADATA",
  "NO_SELECTED_CERTIFICATE",
]);

/** Maps samlify's error codes to our reasons; the window check is done by us to tell expired from early. */
function refusalFromSamlify(error: unknown, document: LoginResponseDocument, now: Date): SamlRefusal {
  const code = error instanceof Error ? error.message : String(error);
  // xml-crypto throws "invalid signature: …" for a wrong signature value or digest.
  if (signatureFailures.has(code) || code.startsWith("invalid signature"))
    return new SamlRefusal("bad_signature", code.slice(0, 200));
  if (code === "ERR_POTENTIAL_WRAPPING_ATTACK" || code === "NO_SIGNATURE_REFERENCES")
    return new SamlRefusal("signature_wrapping", code);
  if (code === "ERR_EXCEPTION_VALIDATE_XML" || code === "ERR_INVALID_XML")
    return new SamlRefusal("schema_invalid", code);
  if (code === "ERR_UNMATCH_ISSUER") return new SamlRefusal("wrong_issuer", code);
  if (code.startsWith("ERR_FAILED_STATUS")) return new SamlRefusal("idp_refused", code);
  if (code === "ERR_SUBJECT_UNCONFIRMED" || code === "ERR_EXPIRED_SESSION") {
    const early = document.notBefore && document.notBefore.getTime() - clockSkewSeconds * 1000 > now.getTime();
    return new SamlRefusal(early ? "not_yet_valid" : "expired", code);
  }
  return new SamlRefusal("malformed", code);
}

function checkWindow(document: LoginResponseDocument, now: Date): void {
  const skew = clockSkewSeconds * 1000;
  if (document.notBefore && document.notBefore.getTime() - skew > now.getTime()) throw new SamlRefusal("not_yet_valid");
  if (document.notOnOrAfter && now.getTime() >= document.notOnOrAfter.getTime() + skew)
    throw new SamlRefusal("expired");
}

/**
 * Verifies a login response (the SAMLResponse form field of an HTTP-POST to the ACS) from one identity
 * provider, and uses up the request it answers. Throws a SamlRefusal with the reason for anything short of
 * a signed, current assertion meant for this service provider, answering a request it issued, never seen.
 */
export async function verifyLoginResponse(params: {
  endpoints: ServiceProviderEndpoints;
  identityProvider: IdentityProviderConfig;
  samlResponse: string;
  stores: LoginResponseStores;
  now: Date;
}): Promise<VerifiedLogin> {
  const { endpoints, identityProvider: config, stores, now } = params;
  const xml = decodeSamlMessage(params.samlResponse);
  const root = parseSamlXml(xml);
  checkLoginResponseShape(root);
  const document = readLoginResponse(root);

  // One identity provider per certificate: during a rollover either certificate may sign, with or without
  // the certificate in the signature's KeyInfo.
  const sp = serviceProvider(endpoints);
  let verified: Awaited<ReturnType<typeof sp.parseLoginResponse>> | null = null;
  let refusal: SamlRefusal | null = null;
  for (const certificate of config.certificates) {
    try {
      verified = await sp.parseLoginResponse(identityProvider(config, certificate), "post", {
        body: { SAMLResponse: Buffer.from(xml, "utf8").toString("base64") },
      });
      break;
    } catch (error) {
      refusal = refusalFromSamlify(error, document, now);
      if (refusal.reason !== "bad_signature") throw refusal;
    }
  }
  if (!verified) throw refusal ?? new SamlRefusal("bad_signature", "no certificate configured");
  // samlify read the NameID from the assertion it verified; ours must be the same one.
  if (verified.extract.nameID !== undefined && verified.extract.nameID !== document.nameId)
    throw new SamlRefusal("signature_wrapping", "the verified NameID differs from the document's");

  if (
    document.issuer !== config.entityId ||
    (document.responseIssuer !== null && document.responseIssuer !== config.entityId)
  )
    throw new SamlRefusal("wrong_issuer", `issuer ${document.issuer ?? "missing"}`);
  if (
    document.audienceRestrictions.length === 0 ||
    !document.audienceRestrictions.every((audiences) => audiences.includes(endpoints.entityId))
  )
    throw new SamlRefusal("wrong_audience", document.audienceRestrictions.flat().join(", ") || "no audience");
  if (document.responseDestination !== null && document.responseDestination !== endpoints.acsUrl)
    throw new SamlRefusal("wrong_destination", `destination ${document.responseDestination}`);
  const confirmation = document.confirmations.find((candidate) => candidate.recipient === endpoints.acsUrl);
  if (!confirmation)
    throw new SamlRefusal(
      document.confirmations.length ? "wrong_destination" : "malformed",
      document.confirmations.length
        ? `recipient ${document.confirmations[0]?.recipient ?? "missing"}`
        : "no bearer confirmation",
    );
  checkWindow(document, now);
  if (!confirmation.notOnOrAfter) throw new SamlRefusal("malformed", "the subject confirmation has no NotOnOrAfter");
  if (now.getTime() >= confirmation.notOnOrAfter.getTime() + clockSkewSeconds * 1000) throw new SamlRefusal("expired");

  const requestId = confirmation.inResponseTo;
  if (!requestId) throw new SamlRefusal("unsolicited");
  if (document.responseInResponseTo !== null && document.responseInResponseTo !== requestId)
    throw new SamlRefusal("unknown_request", "the response and its assertion answer different requests");
  if (!document.nameId) throw new SamlRefusal("missing_name_id");
  if (document.nameId.length > 256) throw new SamlRefusal("malformed", "NameID longer than 256 characters");

  // Remembered until it could no longer be accepted anyway, whichever of its limits is later.
  const limits = [confirmation.notOnOrAfter, document.notOnOrAfter].filter((time): time is Date => time !== null);
  const expiresAt = new Date(Math.max(...limits.map((time) => time.getTime())) + clockSkewSeconds * 1000);
  if (!(await stores.rememberAssertion(document.assertionId, expiresAt))) throw new SamlRefusal("replayed");
  const request = await stores.consumeRequest(requestId);
  if (!request) throw new SamlRefusal("unknown_request", `InResponseTo ${requestId}`);

  return {
    nameId: document.nameId,
    assertionId: document.assertionId,
    sessionIndex: document.sessionIndex,
    attributes: document.attributes,
    returnTo: request.returnTo,
  };
}
