/// <reference path="./untyped-modules.d.ts" />
import { randomUUID, X509Certificate } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import * as xmlEncryption from "@authenio/xml-encryption";
import { DOMParser, XMLSerializer } from "@xmldom/xmldom";
import * as samlify from "samlify";
import { assertionNamespace, protocolNamespace } from "./response-document.ts";

// An identity provider in the same process, for the tests and for demo mode only (never configured in
// production): it reads our authentication requests and answers them with responses signed by samlify
// with its own key pair. Every field of a response can be overridden, so tests can build each kind of
// forged or broken response an attacker or a misconfigured partner would send.

export interface SimulatedIdentityProviderKeys {
  privateKey: string;
  certificate: string;
}

export interface ResponseContent {
  /** The service provider's ACS: Destination and Recipient unless overridden. */
  acsUrl: string;
  /** The service provider's entity id: the Audience unless overridden. */
  audience: string;
  /** The authentication request answered; null leaves InResponseTo out (an unsolicited response). */
  inResponseTo: string | null;
  nameId: string;
  attributes?: Record<string, string | string[]>;
  issuer?: string;
  destination?: string;
  recipient?: string;
  /** When the response is made; the validity window is [issuedAt, issuedAt + lifetimeSeconds). */
  issuedAt?: Date;
  lifetimeSeconds?: number;
  assertionId?: string;
  responseId?: string;
  sessionIndex?: string;
  statusCode?: string;
}

const successStatus = "urn:oasis:names:tc:SAML:2.0:status:Success";
const emailFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

function escapeXml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

export function newSamlId(): string {
  return `_${randomUUID().replaceAll("-", "")}`;
}

/** An unsigned login response, with every value as given. */
export function loginResponseXml(content: ResponseContent): string {
  const issuedAt = content.issuedAt ?? new Date();
  const until = new Date(issuedAt.getTime() + (content.lifetimeSeconds ?? 300) * 1000).toISOString();
  const now = issuedAt.toISOString();
  const issuer = escapeXml(content.issuer ?? "");
  const inResponseTo = content.inResponseTo === null ? "" : ` InResponseTo="${escapeXml(content.inResponseTo)}"`;
  const attributes = Object.entries(content.attributes ?? {})
    .map(
      ([name, values]) =>
        `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${(Array.isArray(
          values,
        )
          ? values
          : [values]
        )
          .map((value) => `<saml:AttributeValue xsi:type="xs:string">${escapeXml(value)}</saml:AttributeValue>`)
          .join("")}</saml:Attribute>`,
    )
    .join("");
  return (
    `<samlp:Response xmlns:samlp="${protocolNamespace}" xmlns:saml="${assertionNamespace}" ID="${content.responseId ?? newSamlId()}" Version="2.0" IssueInstant="${now}" Destination="${escapeXml(content.destination ?? content.acsUrl)}"${inResponseTo}>` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${content.statusCode ?? successStatus}"/></samlp:Status>` +
    `<saml:Assertion xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="${content.assertionId ?? newSamlId()}" Version="2.0" IssueInstant="${now}">` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${emailFormat}">${escapeXml(content.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${escapeXml(content.recipient ?? content.acsUrl)}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${now}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${escapeXml(content.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${now}" SessionIndex="${content.sessionIndex ?? newSamlId()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : "") +
    `</saml:Assertion></samlp:Response>`
  );
}

/** Signs the assertion, the whole response, or both (assertion first), with samlify as an IdP does. */
export function signLoginResponse(
  xml: string,
  keys: SimulatedIdentityProviderKeys,
  what: "assertion" | "response" | "both" = "assertion",
): string {
  const common = {
    privateKey: keys.privateKey,
    // samlify wants the certificate's base64 body, without the PEM armour.
    signingCert: keys.certificate.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, ""),
    signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    isBase64Output: false,
  };
  let signed = xml;
  if (what !== "response") {
    signed = samlify.SamlLib.constructSAMLSignature({
      ...common,
      rawSamlMessage: signed,
      referenceTagXPath: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']",
      signatureConfig: {
        prefix: "ds",
        location: {
          reference: "/*[local-name(.)='Response']/*[local-name(.)='Assertion']/*[local-name(.)='Issuer']",
          action: "after",
        },
      },
    });
  }
  if (what !== "assertion") {
    signed = samlify.SamlLib.constructSAMLSignature({
      ...common,
      rawSamlMessage: signed,
      isMessageSigned: true,
      signatureConfig: {
        prefix: "ds",
        location: { reference: "/*[local-name(.)='Response']/*[local-name(.)='Issuer']", action: "after" },
      },
    });
  }
  return signed;
}

export function toBase64(xml: string): string {
  return Buffer.from(xml, "utf8").toString("base64");
}

/** The id, ACS address and relay state of an authentication request sent with the HTTP-Redirect binding. */
export function readRedirectAuthnRequest(redirectUrl: string): {
  id: string;
  acsUrl: string | null;
  issuer: string | null;
  relayState: string | null;
} {
  const url = new URL(redirectUrl);
  const encoded = url.searchParams.get("SAMLRequest");
  if (!encoded) throw new Error("the address carries no SAMLRequest");
  const xml = inflateRawSync(Buffer.from(encoded, "base64")).toString("utf8");
  const request = new DOMParser().parseFromString(xml, "text/xml").documentElement;
  const id = request?.getAttribute("ID");
  if (!request || !id) throw new Error("the SAMLRequest has no ID");
  const issuer = request.getElementsByTagNameNS(assertionNamespace, "Issuer")[0]?.textContent ?? null;
  return {
    id,
    acsUrl: request.getAttribute("AssertionConsumerServiceURL"),
    issuer,
    relayState: url.searchParams.get("RelayState"),
  };
}

/**
 * A logout request from this identity provider to a service provider's SLO endpoint (HTTP-Redirect binding),
 * signed over the query with its key unless `signed` is false: the address the browser is sent to.
 */
export function logoutRequestUrl(params: {
  keys: SimulatedIdentityProviderKeys;
  issuer: string;
  serviceProvider: { entityId: string; sloUrl: string };
  nameId: string;
  sessionIndex?: string;
  signed?: boolean;
}): string {
  const certificate = params.keys.certificate.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  const idp = samlify.IdentityProvider({
    entityID: params.issuer,
    privateKey: params.keys.privateKey,
    signingCert: certificate,
    requestSignatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    singleSignOnService: [
      { Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: `${params.issuer}/sso` },
    ],
  });
  const sp = samlify.ServiceProvider({
    entityID: params.serviceProvider.entityId,
    wantLogoutRequestSigned: params.signed !== false,
    singleLogoutService: [
      { Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: params.serviceProvider.sloUrl },
    ],
  });
  return idp.createLogoutRequest(sp, "redirect", {
    logoutNameID: params.nameId,
    ...(params.sessionIndex ? { sessionIndex: params.sessionIndex } : {}),
  }).context;
}

/**
 * Encrypts a login response's assertion for a service provider's encryption certificate, as an identity
 * provider does after signing it (AES-256-GCM content, RSA-OAEP key transport): the response with an
 * EncryptedAssertion in place of its Assertion.
 */
export async function encryptLoginResponseAssertion(
  xml: string,
  certificatePem: string,
  algorithms: { content?: string; key?: string } = {},
): Promise<string> {
  const document = new DOMParser().parseFromString(xml, "text/xml");
  const assertion = document.getElementsByTagNameNS(assertionNamespace, "Assertion")[0];
  if (!assertion?.parentNode) throw new Error("the response has no assertion");
  const pem = `-----BEGIN CERTIFICATE-----\n${certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "")}\n-----END CERTIFICATE-----\n`;
  const encrypted = await new Promise<string>((resolve, reject) => {
    xmlEncryption.encrypt(
      new XMLSerializer().serializeToString(assertion),
      {
        rsa_pub: new X509Certificate(pem).publicKey.export({ type: "spki", format: "pem" }).toString(),
        pem,
        encryptionAlgorithm: algorithms.content ?? "http://www.w3.org/2009/xmlenc11#aes256-gcm",
        keyEncryptionAlgorithm: algorithms.key ?? "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p",
        warnInsecureAlgorithm: false,
      },
      (error, result) => (error || !result ? reject(error ?? new Error("nothing encrypted")) : resolve(result)),
    );
  });
  const wrapper = new DOMParser().parseFromString(
    `<saml:EncryptedAssertion xmlns:saml="${assertionNamespace}">${encrypted}</saml:EncryptedAssertion>`,
    "text/xml",
  ).documentElement;
  if (!wrapper) throw new Error("the encrypted assertion could not be read back");
  assertion.parentNode.replaceChild(document.importNode(wrapper, true), assertion);
  return new XMLSerializer().serializeToString(document);
}

/** The signing and encryption certificates (base64 bodies) a service provider's metadata publishes. */
export function publishedCertificates(metadataXml: string): { signing: string[]; encryption: string[] } {
  const metadata = new DOMParser().parseFromString(metadataXml, "text/xml");
  const found = { signing: [] as string[], encryption: [] as string[] };
  for (const descriptor of Array.from(
    metadata.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:metadata", "KeyDescriptor"),
  )) {
    const use = descriptor.getAttribute("use");
    const body = descriptor
      .getElementsByTagNameNS("http://www.w3.org/2000/09/xmldsig#", "X509Certificate")[0]
      ?.textContent?.replace(/\s+/g, "");
    if (body && use === "signing") found.signing.push(body);
    if (body && use === "encryption") found.encryption.push(body);
  }
  return found;
}

/**
 * What an identity provider does with an AuthnRequest sent with the HTTP-Redirect binding: verifies its
 * query signature (samlify, as IdP) with a signing certificate the service provider's metadata publishes.
 * Answers the certificate that verified it, or null when none did or it is unsigned.
 */
export async function verifyRedirectAuthnRequest(params: {
  redirectUrl: string;
  serviceProviderMetadata: string;
  identityProviderEntityId: string;
}): Promise<string | null> {
  const url = new URL(params.redirectUrl);
  const raw = new Map(
    url.search
      .slice(1)
      .split("&")
      .map((pair) => {
        const at = pair.indexOf("=");
        return [pair.slice(0, at), pair.slice(at + 1)] as const;
      }),
  );
  // samlify takes the values decoded, and the octet string exactly as received.
  const decoded = (name: string) => {
    const value = raw.get(name);
    return value === undefined ? undefined : decodeURIComponent(value.replaceAll("+", " "));
  };
  const SAMLRequest = decoded("SAMLRequest");
  const SigAlg = decoded("SigAlg");
  const Signature = decoded("Signature");
  if (!SAMLRequest || !SigAlg || !Signature) return null;
  const octetString = ["SAMLRequest", "RelayState", "SigAlg"]
    .filter((name) => raw.has(name))
    .map((name) => `${name}=${raw.get(name)}`)
    .join("&");
  const metadata = new DOMParser().parseFromString(params.serviceProviderMetadata, "text/xml").documentElement;
  const entityId = metadata?.getAttribute("entityID") ?? "";
  const idp = samlify.IdentityProvider({
    entityID: params.identityProviderEntityId,
    wantAuthnRequestsSigned: true,
    singleSignOnService: [{ Binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect", Location: url.origin }],
  });
  for (const certificate of publishedCertificates(params.serviceProviderMetadata).signing) {
    // One service provider per published certificate: samlify's verifier takes one signing certificate.
    const sp = samlify.ServiceProvider({ entityID: entityId, authnRequestsSigned: true, signingCert: certificate });
    try {
      await idp.parseLoginRequest(sp, "redirect", {
        query: {
          SAMLRequest,
          SigAlg,
          Signature,
          ...(raw.has("RelayState") ? { RelayState: decoded("RelayState") } : {}),
        },
        octetString,
      });
      return certificate;
    } catch {}
  }
  return null;
}
