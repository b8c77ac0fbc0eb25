import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from "node:crypto";

// The key pair of an institution's service provider and its self-signed X.509 certificate, made with
// node:crypto alone (no openssl binary, no new dependency): node makes the RSA key, the certificate is a
// few DER structures signed with it. Identity providers only need the certificate as a container for the
// public key (SAML metadata pins keys; nobody checks a chain), so a self-signed one is what is expected.

export interface ServiceProviderKeyPair {
  /** PKCS#8 PEM: stays on the server. */
  privateKey: string;
  /** PEM of the self-signed certificate, published in the metadata. */
  certificate: string;
  /** SHA-256 of the certificate's DER, as AA:BB:… */
  fingerprintSha256: string;
  notAfter: Date;
}

/** How long a generated certificate is valid: rotation is meant to happen well before. */
export const serviceProviderCertificateYears = 5;

function length(size: number): Buffer {
  if (size < 0x80) return Buffer.from([size]);
  const bytes: number[] = [];
  for (let rest = size; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...content: Buffer[]) => der(0x30, ...content);
const set = (...content: Buffer[]) => der(0x31, ...content);
const nullValue = Buffer.from([0x05, 0x00]);

function objectIdentifier(oid: string): Buffer {
  const [first = 0, second = 0, ...rest] = oid.split(".").map(Number);
  const bytes = [first * 40 + second];
  for (const part of rest) {
    const base128: number[] = [];
    let value = part;
    do {
      base128.unshift(value & 0x7f);
      value = Math.floor(value / 128);
    } while (value > 0);
    bytes.push(...base128.map((byte, index) => (index < base128.length - 1 ? byte | 0x80 : byte)));
  }
  return der(0x06, Buffer.from(bytes));
}

function positiveInteger(bytes: Buffer): Buffer {
  const trimmed = bytes[0] === 0 ? bytes.subarray(1) : bytes;
  return der(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(value: Date): Buffer {
  const iso = value.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return value.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(`${iso.slice(2)}Z`)) : der(0x18, Buffer.from(`${iso}Z`));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier("2.5.4.3"), der(0x0c, Buffer.from(commonName, "utf8")))));
}

const sha256WithRsa = sequence(objectIdentifier("1.2.840.113549.1.1.11"), nullValue);

/** A new RSA-2048 key pair and a self-signed certificate naming the service provider's entity id. */
export function generateServiceProviderKeyPair(params: { commonName: string; now: Date }): ServiceProviderKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  // Backdated by a day so an identity provider whose clock runs behind does not see a certificate from the future.
  const notBefore = new Date(params.now.getTime() - 24 * 60 * 60 * 1000);
  const notAfter = new Date(params.now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + serviceProviderCertificateYears);
  const subject = name(params.commonName.slice(0, 64));
  const tbs = sequence(
    der(0xa0, positiveInteger(Buffer.from([2]))),
    positiveInteger(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    sha256WithRsa,
    subject,
    sequence(time(notBefore), time(notAfter)),
    subject,
    publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = sign("sha256", tbs, privateKey);
  const certificateDer = sequence(tbs, sha256WithRsa, der(0x03, Buffer.from([0]), signature));
  const body = certificateDer
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd();
  const certificate = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
  // Parsed back once: a certificate node cannot read is never stored.
  const parsed = new X509Certificate(certificate);
  if (!parsed.verify(publicKey)) throw new Error("the generated certificate does not verify");
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    certificate,
    fingerprintSha256: createHash("sha256")
      .update(certificateDer)
      .digest("hex")
      .toUpperCase()
      .replace(/(..)(?!$)/g, "$1:"),
    notAfter: new Date(parsed.validTo),
  };
}

/** The base64 body of a PEM certificate, as SAML metadata and KeyInfo carry it. */
export function certificateBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
}

/** Whether a private key and a certificate belong together (a stored pair is checked before use). */
export function keyMatchesCertificate(privateKeyPem: string, certificatePem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: "spki", format: "der" });
  const fromCertificate = new X509Certificate(certificatePem).publicKey.export({ type: "spki", format: "der" });
  return Buffer.compare(fromKey, fromCertificate) === 0;
}
