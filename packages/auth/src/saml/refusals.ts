/**
 * Why a SAML message was refused. Each reason is recorded in the audit trail (`saml.sign_in_refused`) and
 * explained in plain words on the error page; none of them reveals anything an attacker could not see.
 */
export const samlRefusalReasons = {
  malformed: "The sign-in message from your institution could not be read.",
  schema_invalid: "The sign-in message from your institution is not a valid SAML message.",
  unsigned: "The sign-in message was not signed by your institution, so it cannot be trusted.",
  bad_signature: "The sign-in message's signature does not match your institution's certificate.",
  signature_wrapping: "The sign-in message was altered after your institution signed it.",
  comment_injection: "The sign-in message contains hidden comments, which a signed message must not have.",
  multiple_assertions: "The sign-in message contains more than one statement about who you are.",
  no_assertion: "The sign-in message does not say who you are.",
  encrypted_assertion:
    "The sign-in message is encrypted for a key this service no longer holds (or never held). Your institution must use the certificate in this service's current metadata.",
  wrong_issuer: "The sign-in message came from an identity provider other than the one you chose.",
  wrong_audience: "The sign-in message was meant for another service, not this one.",
  wrong_destination: "The sign-in message was sent to another address than this sign-in page.",
  expired: "The sign-in message has expired. Please sign in again.",
  not_yet_valid: "The sign-in message is not valid yet; a clock is probably wrong. Please try again in a minute.",
  unsolicited: "This sign-in was not started here. Please start again from the sign-in page.",
  unknown_request: "This sign-in does not answer a request from this page, or it was already used. Please start again.",
  replayed: "This sign-in message was already used. Please start again from the sign-in page.",
  idp_refused: "Your institution's identity provider did not sign you in.",
  missing_name_id: "The sign-in message does not name your account.",
  missing_email: "Your institution did not send your email address, which this sign-in needs.",
  account_suspended: "Your account is suspended. Contact your institution's administrator.",
  membership_suspended: "Your membership of this institution is suspended. Contact its administrator.",
  account_link_required:
    "An account with your email address already exists. An administrator of your institution must confirm that it is yours before you can sign in this way.",
  unknown_identity_provider: "This identity provider is not set up for your institution.",
} as const;

export type SamlRefusalReason = keyof typeof samlRefusalReasons;

/** A refusal with its reason, and details for the log and audit trail (never shown to the person). */
export class SamlRefusal extends Error {
  readonly reason: SamlRefusalReason;
  readonly detail: string | undefined;

  constructor(reason: SamlRefusalReason, detail?: string) {
    super(`SAML message refused: ${reason}${detail ? ` (${detail})` : ""}`);
    this.name = "SamlRefusal";
    this.reason = reason;
    this.detail = detail;
  }
}
