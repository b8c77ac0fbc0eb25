import { X509Certificate } from "node:crypto";
import { DOMParser } from "@xmldom/xmldom";

// Checking what an institution admin gives us about an identity provider: its metadata XML, or its entity
// id, sign-in address and certificates typed in. Every problem names the field it is about, in words an
// admin can act on; nothing here trusts the input enough to fetch anything.

/** A problem with one field of an identity provider's configuration. */
export class IdentityProviderConfigProblem extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "IdentityProviderConfigProblem";
    this.field = field;
  }
}

const metadataNamespace = "urn:oasis:names:tc:SAML:2.0:metadata";
const signatureNamespace = "http://www.w3.org/2000/09/xmldsig#";
const redirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";

export interface CheckedCertificate {
  /** PEM, as stored and given to samlify. */
  pem: string;
  notAfter: Date;
  subject: string;
}

/** A PEM or bare base64 X.509 certificate, current and with an RSA key of at least 2048 bits. */
export function checkCertificate(field: string, text: string, now: Date): CheckedCertificate {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body))
    throw new IdentityProviderConfigProblem(
      field,
      "Paste an X.509 certificate in PEM form (-----BEGIN CERTIFICATE-----)",
    );
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(body, "base64"));
  } catch {
    throw new IdentityProviderConfigProblem(field, "This is not a readable X.509 certificate");
  }
  const notAfter = new Date(certificate.validTo);
  if (notAfter <= now)
    throw new IdentityProviderConfigProblem(
      field,
      `This certificate expired on ${notAfter.toISOString().slice(0, 10)}`,
    );
  const key = certificate.publicKey;
  if (key.asymmetricKeyType !== "rsa" || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw new IdentityProviderConfigProblem(field, "The certificate's key must be RSA of at least 2048 bits");
  const lines = body.match(/.{1,64}/g) ?? [];
  return {
    pem: `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`,
    notAfter,
    subject: certificate.subject,
  };
}

/** https:// everywhere; http:// only for this machine (the demo identity provider, local testing). */
export function checkEndpointUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new IdentityProviderConfigProblem(field, "Enter a full address starting with https://");
  }
  const local = url.protocol === "http:" && ["localhost", "127.0.0.1"].includes(url.hostname);
  if (url.protocol !== "https:" && !local)
    throw new IdentityProviderConfigProblem(field, "The address must start with https://");
  return url.toString();
}

export interface IdentityProviderDescription {
  entityId: string;
  ssoUrl: string;
  sloUrl: string | null;
  certificates: string[];
}

function elements(scope: Element | Document, localName: string, namespace = metadataNamespace): Element[] {
  return Array.from(scope.getElementsByTagNameNS(namespace, localName));
}

/**
 * Reads an identity provider's SAML metadata: its entity id, HTTP-Redirect sign-in (and logout) address and
 * signing certificates (one, or two during a rollover).
 */
export function parseIdentityProviderMetadata(xml: string, now: Date): IdentityProviderDescription {
  const field = "metadataXml";
  if (xml.length > 512 * 1024) throw new IdentityProviderConfigProblem(field, "The metadata is larger than 512 KB");
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new IdentityProviderConfigProblem(field, "Metadata with a document type declaration is not accepted");
  const problems: string[] = [];
  const document = new DOMParser({
    errorHandler: {
      warning: () => {},
      error: (message) => problems.push(message),
      fatalError: (message) => problems.push(message),
    },
  }).parseFromString(xml, "text/xml");
  if (problems.length || !document?.documentElement)
    throw new IdentityProviderConfigProblem(field, "This is not well-formed XML");
  const descriptors = elements(document, "EntityDescriptor").filter(
    (entity) => elements(entity, "IDPSSODescriptor").length,
  );
  if (descriptors.length === 0)
    throw new IdentityProviderConfigProblem(field, "The metadata describes no identity provider (no IDPSSODescriptor)");
  if (descriptors.length > 1)
    throw new IdentityProviderConfigProblem(
      field,
      `The metadata describes ${descriptors.length} identity providers; paste the metadata of one`,
    );
  const [descriptor] = descriptors as [Element];
  const entityId = descriptor.getAttribute("entityID")?.trim() ?? "";
  if (!entityId) throw new IdentityProviderConfigProblem(field, "The metadata has no entityID");
  const [idp] = elements(descriptor, "IDPSSODescriptor") as [Element];
  const locationOf = (name: string) =>
    elements(idp, name)
      .find((service) => service.getAttribute("Binding") === redirectBinding)
      ?.getAttribute("Location") ?? null;
  const sso = locationOf("SingleSignOnService");
  if (!sso)
    throw new IdentityProviderConfigProblem(
      field,
      "The metadata has no SingleSignOnService with the HTTP-Redirect binding",
    );
  const slo = locationOf("SingleLogoutService");
  const certificates = elements(idp, "KeyDescriptor")
    .filter((key) => (key.getAttribute("use") ?? "signing") === "signing")
    .flatMap((key) => elements(key, "X509Certificate", signatureNamespace).map((node) => node.textContent ?? ""));
  const unique = [...new Set(certificates.map((text) => text.replace(/\s+/g, "")))].filter(Boolean);
  if (unique.length === 0) throw new IdentityProviderConfigProblem(field, "The metadata has no signing certificate");
  if (unique.length > 2)
    throw new IdentityProviderConfigProblem(
      field,
      `The metadata has ${unique.length} signing certificates; at most 2 are accepted`,
    );
  return {
    entityId,
    ssoUrl: checkEndpointUrl(field, sso),
    sloUrl: slo ? checkEndpointUrl(field, slo) : null,
    certificates: unique.map((text, index) => checkCertificate(`${field} (certificate ${index + 1})`, text, now).pem),
  };
}
