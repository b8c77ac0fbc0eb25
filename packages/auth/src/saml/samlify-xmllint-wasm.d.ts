// The validator ships without type declarations; this is the one function it exports.
declare module "@authenio/samlify-xmllint-wasm" {
  /** Validates a SAML message against the SAML 2.0 protocol schema; rejects when it does not conform. */
  export function validate(xml: string): Promise<true>;
}
