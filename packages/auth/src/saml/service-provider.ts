/// <reference path="./untyped-modules.d.ts" />
import { inflateRawSync } from "node:zlib";
import * as xmlEncryption from "@authenio/xml-encryption";
import { XMLSerializer } from "@xmldom/xmldom";
import * as samlify from "samlify";
import { SamlRefusal } from "./refusals.ts";
import {
  assertionNamespace,
  checkEncryptedResponseShape,
  checkLoginResponseShape,
  decodeSamlMessage,
  findEncryptedAssertion,
  type LoginResponseDocument,
  maxMessageBytes,
  parseSamlXml,
  protocolNamespace,
  readLoginResponse,
} from "./response-document.ts";
import { SchemaViolation, validateAgainstSamlSchemas } from "./schema-validator.ts";
import { certificateBody } from "./service-provider-keys.ts";

// LearnOps as a SAML service provider, one per institution, on samlify. samlify parses, validates against
// the SAML XML schemas (xmllint compiled to WebAssembly: a real validator, never a no-op) and verifies
// signatures; everything it leaves to the application is checked here: the document's shape (signature
// wrapping, comments), audience, destination and recipient, the validity window with our clock, that the
// response answers a request we issued (once), and that its assertion was not used before. Each
// institution's service provider has key pairs of its own (a keyring): the current key signs our requests
// and logout messages; encrypted assertions are decrypted with any key still held, then checked exactly as
// plain ones.

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

/** One of the service provider's key pairs (PEM). */
export interface ServiceProviderKey {
  privateKey: string;
  certificate: string;
}

/** The service provider's keys, as the institution's rotation left them. */
export interface ServiceProviderKeyring {
  /** Signs every authentication request and logout message. */
  current: ServiceProviderKey;
  /** Published beside the current certificate while a rotation is under way, so IdPs can take it up early. */
  next: ServiceProviderKey | null;
  /** Every key an assertion may be encrypted for: next, current, and previous keys within their grace period. */
  decryption: readonly ServiceProviderKey[];
}

const rsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/** An identity provider as an institution configured it. */
export interface IdentityProviderConfig {
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  /** PEM or bare base64 X.509 certificates; two during a rollover, either of which may sign. */
  certificates: readonly string[];
}

function serviceProvider(endpoints: ServiceProviderEndpoints, keyring: ServiceProviderKeyring, decryptWith?: string) {
  const published = [keyring.current, ...(keyring.next ? [keyring.next] : [])].map((key) =>
    certificateBody(key.certificate),
  );
  return samlify.ServiceProvider({
    entityID: endpoints.entityId,
    authnRequestsSigned: true,
    privateKey: keyring.current.privateKey,
    requestSignatureAlgorithm: rsaSha256,
    signingCert: published,
    encryptCert: published,
    encPrivateKey: decryptWith ?? keyring.current.privateKey,
    wantAssertionsSigned: true,
    wantMessageSigned: false,
    nameIDFormat: [emailNameIdFormat, unspecifiedNameIdFormat],
    assertionConsumerService: [{ Binding: bindings.post, Location: endpoints.acsUrl }],
    singleLogoutService: [{ Binding: bindings.redirect, Location: endpoints.sloUrl }],
    clockDrifts: [-clockSkewSeconds * 1000, clockSkewSeconds * 1000],
  });
}

function identityProvider(config: IdentityProviderConfig, certificate: string, assertionEncrypted = false) {
  return samlify.IdentityProvider({
    entityID: config.entityId,
    signingCert: certificate,
    // What we send it is signed: samlify signs a redirect message when the receiving side asks for it.
    wantAuthnRequestsSigned: true,
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
    isAssertionEncrypted: assertionEncrypted,
    singleSignOnService: [{ Binding: bindings.redirect, Location: config.ssoUrl }],
    singleLogoutService: config.sloUrl ? [{ Binding: bindings.redirect, Location: config.sloUrl }] : [],
  });
}

/** The institution's service-provider metadata, for its identity providers' administrators. */
export function serviceProviderMetadata(endpoints: ServiceProviderEndpoints, keyring: ServiceProviderKeyring): string {
  return serviceProvider(endpoints, keyring).getMetadata();
}

/**
 * Starts an SP-initiated sign-in: the request's id (to store, so the response can be matched to it) and the
 * identity provider's address to send the browser to (HTTP-Redirect binding).
 */
export function createAuthnRequest(
  endpoints: ServiceProviderEndpoints,
  keyring: ServiceProviderKeyring,
  config: IdentityProviderConfig,
  relayState: string,
): { id: string; redirectUrl: string } {
  const [certificate = ""] = config.certificates;
  const { id, context } = serviceProvider(endpoints, keyring).createLoginRequest(
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
  if (findEncryptedAssertion(root)) {
    checkEncryptedResponseShape(root);
    const issuers = Array.from(root.childNodes).filter(
      (node): node is Element =>
        node.nodeType === 1 &&
        (node as Element).localName === "Issuer" &&
        (node as Element).namespaceURI === assertionNamespace,
    );
    // The assertion's issuer is encrypted; the Response's names the identity provider whose keys decide.
    return issuers.length === 1 ? (issuers[0]?.textContent?.trim() ?? null) : null;
  }
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
  if (error instanceof SchemaViolation) return new SamlRefusal("schema_invalid", error.problems.join("; "));
  const code = error instanceof Error ? error.message : String(error);
  // xml-crypto throws "invalid signature: …" for a wrong signature value or digest.
  if (signatureFailures.has(code) || code.startsWith("invalid signature"))
    return new SamlRefusal("bad_signature", code.slice(0, 200));
  if (code === "ERR_POTENTIAL_WRAPPING_ATTACK" || code === "NO_SIGNATURE_REFERENCES")
    return new SamlRefusal("signature_wrapping", code);
  if (code === "ERR_INVALID_XML") return new SamlRefusal("schema_invalid", code);
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
  keyring: ServiceProviderKeyring;
  identityProvider: IdentityProviderConfig;
  samlResponse: string;
  stores: LoginResponseStores;
  now: Date;
}): Promise<VerifiedLogin> {
  const { endpoints, identityProvider: config, stores, now } = params;
  const xml = decodeSamlMessage(params.samlResponse);
  const received = parseSamlXml(xml);
  // An encrypted assertion is decrypted first (with any key we still hold); every check below, the
  // wrapping checks included, then runs on the decrypted document, as on a plain one.
  const encrypted = findEncryptedAssertion(received);
  const decrypted = encrypted
    ? await decryptAssertion(xml, checkEncryptedResponseShape(received), params.keyring.decryption)
    : null;
  const root = decrypted ? parseSamlXml(decrypted.xml) : received;
  checkLoginResponseShape(root);
  const document = readLoginResponse(root);

  // One identity provider per certificate: during a rollover either certificate may sign, with or without
  // the certificate in the signature's KeyInfo. samlify verifies the message as received: a signature on
  // the Response covers the encrypted assertion; one on the assertion is verified after samlify decrypts it.
  const sp = serviceProvider(endpoints, params.keyring, decrypted?.key.privateKey);
  let verified: Awaited<ReturnType<typeof sp.parseLoginResponse>> | null = null;
  let refusal: SamlRefusal | null = null;
  for (const certificate of config.certificates) {
    try {
      verified = await sp.parseLoginResponse(identityProvider(config, certificate, decrypted !== null), "post", {
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

/**
 * Decrypts a response's EncryptedAssertion with the first of the keys it was encrypted for, and answers the
 * response with the assertion in its place. Only RSA-OAEP key transport and AES content encryption are
 * accepted (RSA PKCS#1 v1.5 and 3DES invite padding-oracle attacks). The decrypted assertion is parsed as
 * strictly as a whole message: no DTD, comments or processing instructions.
 */
async function decryptAssertion(
  xml: string,
  encryptedAssertion: Element,
  keys: readonly ServiceProviderKey[],
): Promise<{ xml: string; key: ServiceProviderKey }> {
  const encryptedXml = new XMLSerializer().serializeToString(encryptedAssertion);
  for (const key of keys) {
    const plain = await new Promise<string | null>((resolve) => {
      xmlEncryption.decrypt(
        encryptedXml,
        { key: key.privateKey, disallowDecryptionWithInsecureAlgorithm: true, warnInsecureAlgorithm: false },
        (error, result) => resolve(error || !result ? null : result),
      );
    });
    if (plain === null) continue;
    const assertion = parseSamlXml(plain);
    if (assertion.namespaceURI !== assertionNamespace || assertion.localName !== "Assertion")
      throw new SamlRefusal("malformed", `the encrypted element is ${assertion.localName}, not an assertion`);
    const response = parseSamlXml(xml);
    const target = findEncryptedAssertion(response);
    if (!target) throw new SamlRefusal("malformed", "no encrypted assertion");
    response.replaceChild(response.ownerDocument.importNode(assertion, true), target);
    return { xml: new XMLSerializer().serializeToString(response), key };
  }
  throw new SamlRefusal("encrypted_assertion", "not encrypted for any key this service provider holds");
}

// ---------------------------------------------------------------------------------------------------------
// Single logout (HTTP-Redirect binding)
// ---------------------------------------------------------------------------------------------------------

/** What an identity provider's logout request says, once its signature and addressing are checked. */
export interface VerifiedLogoutRequest {
  requestId: string;
  nameId: string;
  sessionIndexes: string[];
}

/** A redirect-binding message (deflated, base64, URL-decoded already) as XML; refused if it inflates too far. */
function inflateRedirectMessage(encoded: string): string {
  const compact = encoded.replace(/\s+/g, "");
  if (!compact || compact.length > maxMessageBytes || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact))
    throw new SamlRefusal("malformed", "not base64");
  try {
    return inflateRawSync(Buffer.from(compact, "base64"), { maxOutputLength: maxMessageBytes }).toString("utf8");
  } catch {
    throw new SamlRefusal("malformed", "not a deflated message");
  }
}

function readLogoutRequest(xml: string) {
  const root = parseSamlXml(xml);
  if (root.namespaceURI !== protocolNamespace || root.localName !== "LogoutRequest")
    throw new SamlRefusal("malformed", `root is ${root.localName}, not a LogoutRequest`);
  const children = (localName: string, namespace: string) =>
    Array.from(root.childNodes).filter(
      (node): node is Element =>
        node.nodeType === 1 &&
        (node as Element).localName === localName &&
        (node as Element).namespaceURI === namespace,
    );
  const text = (element: Element | undefined) => element?.textContent?.trim() ?? null;
  const nameIds = children("NameID", assertionNamespace);
  if (nameIds.length !== 1) throw new SamlRefusal(nameIds.length ? "malformed" : "missing_name_id");
  const time = (name: string) => {
    const value = root.getAttribute(name);
    if (!value) return null;
    const parsed = new Date(value);
    if (Number.isNaN(parsed.getTime())) throw new SamlRefusal("malformed", `${name} is not a time`);
    return parsed;
  };
  return {
    id: root.getAttribute("ID"),
    issuer: text(children("Issuer", assertionNamespace)[0]),
    destination: root.hasAttribute("Destination") ? root.getAttribute("Destination") : null,
    issueInstant: time("IssueInstant"),
    notOnOrAfter: time("NotOnOrAfter"),
    nameId: text(nameIds[0]),
    sessionIndexes: children("SessionIndex", protocolNamespace).map((element) => text(element) ?? ""),
  };
}

/** The issuer a logout request names, before it is verified: which identity provider's certificates to use. */
export function peekLogoutRequestIssuer(samlRequest: string): string | null {
  return readLogoutRequest(inflateRedirectMessage(samlRequest)).issuer;
}

/** How long after it was issued a logout request is accepted. */
const logoutRequestLifetimeSeconds = 5 * 60;

/**
 * Verifies an IdP-initiated logout request (HTTP-Redirect binding) as strictly as a login response: it must
 * be signed (the query's Signature over SAMLRequest, RelayState and SigAlg, with the identity provider's
 * certificate), name that identity provider as issuer and our SLO endpoint as destination, be recent, and
 * never seen before. `octetString` is the query's SAMLRequest[&RelayState]&SigAlg exactly as received.
 */
export async function verifyLogoutRequest(params: {
  endpoints: ServiceProviderEndpoints;
  identityProvider: IdentityProviderConfig;
  query: {
    SAMLRequest: string;
    RelayState?: string | undefined;
    SigAlg?: string | undefined;
    Signature?: string | undefined;
  };
  octetString: string;
  rememberMessage: (messageId: string, expiresAt: Date) => Promise<boolean>;
  now: Date;
}): Promise<VerifiedLogoutRequest> {
  const { endpoints, identityProvider: config, query, now } = params;
  const request = readLogoutRequest(inflateRedirectMessage(query.SAMLRequest));
  if (!query.Signature || !query.SigAlg) throw new SamlRefusal("unsigned");
  if (request.issuer !== config.entityId)
    throw new SamlRefusal("wrong_issuer", `issuer ${request.issuer ?? "missing"}`);

  const sp = samlify.ServiceProvider({
    entityID: endpoints.entityId,
    wantLogoutRequestSigned: true,
    singleLogoutService: [{ Binding: bindings.redirect, Location: endpoints.sloUrl }],
  });
  let verified = false;
  let refusal: SamlRefusal | null = null;
  for (const certificate of config.certificates) {
    try {
      await sp.parseLogoutRequest(identityProvider(config, certificate), "redirect", {
        query: { ...query, SigAlg: query.SigAlg, Signature: query.Signature },
        octetString: params.octetString,
      });
      verified = true;
      break;
    } catch (error) {
      const code = error instanceof Error ? error.message : String(error);
      refusal =
        code === "ERR_FAILED_MESSAGE_SIGNATURE_VERIFICATION" || code.startsWith("invalid signature")
          ? new SamlRefusal("bad_signature", code)
          : error instanceof SchemaViolation
            ? new SamlRefusal("schema_invalid", error.problems.join("; "))
            : new SamlRefusal("malformed", code.slice(0, 200));
      if (refusal.reason !== "bad_signature") throw refusal;
    }
  }
  if (!verified) throw refusal ?? new SamlRefusal("bad_signature", "no certificate configured");

  if (request.destination !== null && request.destination !== endpoints.sloUrl)
    throw new SamlRefusal("wrong_destination", `destination ${request.destination}`);
  const skew = clockSkewSeconds * 1000;
  if (!request.issueInstant) throw new SamlRefusal("malformed", "no IssueInstant");
  if (request.issueInstant.getTime() - skew > now.getTime()) throw new SamlRefusal("not_yet_valid");
  const until = request.notOnOrAfter ?? new Date(request.issueInstant.getTime() + logoutRequestLifetimeSeconds * 1000);
  if (now.getTime() >= until.getTime() + skew) throw new SamlRefusal("expired");
  if (!request.id) throw new SamlRefusal("malformed", "no ID");
  if (!request.nameId) throw new SamlRefusal("missing_name_id");
  if (!(await params.rememberMessage(`logout:${request.id}`, new Date(until.getTime() + skew))))
    throw new SamlRefusal("replayed");
  return { requestId: request.id, nameId: request.nameId, sessionIndexes: request.sessionIndexes.filter(Boolean) };
}

/** The answer to a verified logout request, as the address to send the browser back to the identity provider. */
export function createLogoutResponseUrl(
  endpoints: ServiceProviderEndpoints,
  keyring: ServiceProviderKeyring,
  config: IdentityProviderConfig & { sloUrl: string },
  requestId: string,
  relayState: string | undefined,
): string {
  const [certificate = ""] = config.certificates;
  const { context } = serviceProvider(endpoints, keyring).createLogoutResponse(
    identityProvider(config, certificate),
    { extract: { request: { id: requestId } } },
    "redirect",
    relayState ? { relayState } : {},
  );
  return context;
}

/** An SP-initiated logout: the address of the identity provider's SLO endpoint with our logout request. */
export function createLogoutRequestUrl(
  endpoints: ServiceProviderEndpoints,
  keyring: ServiceProviderKeyring,
  config: IdentityProviderConfig & { sloUrl: string },
  person: { nameId: string; sessionIndex: string | null },
): string {
  const [certificate = ""] = config.certificates;
  const { context } = serviceProvider(endpoints, keyring).createLogoutRequest(
    identityProvider(config, certificate),
    "redirect",
    {
      logoutNameID: person.nameId,
      ...(person.sessionIndex ? { sessionIndex: person.sessionIndex } : {}),
    },
  );
  return context;
}
