// The validator ships without type declarations; this is the one function it exports.
declare module "@authenio/samlify-xmllint-wasm" {
  /** Validates a SAML message against the SAML 2.0 protocol schema; rejects when it does not conform. */
  export function validate(xml: string): Promise<true>;
}

// Neither does XML Encryption's (samlify's own dependency); these are the two functions used here.
declare module "@authenio/xml-encryption" {
  export function decrypt(
    xml: string,
    options: { key: string; disallowDecryptionWithInsecureAlgorithm?: boolean; warnInsecureAlgorithm?: boolean },
    callback: (error: Error | null, result?: string) => void,
  ): void;
  export function encrypt(
    content: string,
    options: {
      rsa_pub: string;
      pem: string;
      encryptionAlgorithm: string;
      keyEncryptionAlgorithm: string;
      warnInsecureAlgorithm?: boolean;
    },
    callback: (error: Error | null, result?: string) => void,
  ): void;
}
