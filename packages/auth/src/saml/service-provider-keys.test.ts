import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { certificateBody, generateServiceProviderKeyPair, keyMatchesCertificate } from "./service-provider-keys.ts";

// The service provider's key pair and its self-signed certificate, made with node:crypto alone: a
// certificate node (and so any identity provider) reads, naming the entity id, signed by the key it carries.

describe("a service provider's key pair", () => {
  const now = new Date("2026-12-03T10:00:00Z");
  const entityId = "https://learnops.example.org/auth/saml/lakeside-college/metadata";
  const pair = generateServiceProviderKeyPair({ commonName: entityId, now });

  it("is RSA-2048 with a self-signed X.509 certificate naming the entity id, valid for five years", () => {
    const certificate = new X509Certificate(pair.certificate);
    expect(certificate.subject).toBe(`CN=${entityId}`);
    expect(certificate.issuer).toBe(`CN=${entityId}`);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.publicKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048 });
    expect(new Date(certificate.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(certificate.validTo).toISOString()).toBe("2031-12-03T10:00:00.000Z");
    expect(pair.notAfter.toISOString()).toBe("2031-12-03T10:00:00.000Z");
    expect(certificate.fingerprint256).toBe(pair.fingerprintSha256);
    expect(pair.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("keeps the private key as PKCS#8 PEM that belongs to the certificate, and no other", () => {
    expect(pair.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPublicKey(createPrivateKey(pair.privateKey)).export({ format: "jwk" })).toEqual(
      new X509Certificate(pair.certificate).publicKey.export({ format: "jwk" }),
    );
    expect(keyMatchesCertificate(pair.privateKey, pair.certificate)).toBe(true);
    const other = generateServiceProviderKeyPair({ commonName: entityId, now });
    expect(keyMatchesCertificate(other.privateKey, pair.certificate)).toBe(false);
    expect(other.fingerprintSha256).not.toBe(pair.fingerprintSha256);
  });

  it("uses GeneralizedTime for dates from 2050, as RFC 5280 requires", () => {
    const later = generateServiceProviderKeyPair({ commonName: entityId, now: new Date("2049-06-01T00:00:00Z") });
    expect(new X509Certificate(later.certificate).validTo).toContain("2054");
  });

  it("publishes the certificate's base64 body, as metadata and KeyInfo carry it", () => {
    expect(certificateBody(pair.certificate)).toMatch(/^MII[A-Za-z0-9+/=]+$/);
  });
});
