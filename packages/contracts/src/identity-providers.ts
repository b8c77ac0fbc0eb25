import { z } from "zod";

// An institution's SAML identity providers, as its admins configure them (`identityProviders.*`, permission
// `identity_providers.manage`). Certificates and metadata are checked on the server, which names the field
// and the problem (an expired certificate, metadata without a sign-in address).

const uuid = z.uuid();

/** Roles an identity provider's assertions may grant at first sign-in; never platform_admin. */
export const assertableRole = z.enum(["learner", "instructor", "course_admin", "support_agent", "client_manager"]);
export type AssertableRole = z.infer<typeof assertableRole>;

const name = z.string().trim().min(1, "Enter a name").max(200, "Use at most 200 characters");
const address = z.string().trim().min(1, "Enter an address").max(2000);
const certificate = z.string().trim().min(1, "Paste a certificate").max(20_000);
const attributeName = z.string().trim().min(1).max(300);

/** Which assertion attribute carries each fact; unset ones use the common names (email, mail, givenName…). */
export const attributeMap = z
  .object({
    email: attributeName,
    givenName: attributeName,
    familyName: attributeName,
    displayName: attributeName,
    role: attributeName,
    clientGroup: attributeName,
  })
  .partial();
export type AttributeMap = z.infer<typeof attributeMap>;

const options = {
  /** The institution vouches that this identity provider verifies addresses: it may link existing accounts. */
  trustsEmail: z.boolean().default(false),
  assertableRoles: z.array(assertableRole).min(1, "Choose at least one role").default(["learner"]),
  attributeMap: attributeMap.default({}),
};

export const createIdentityProviderInput = z.discriminatedUnion("source", [
  z.object({
    source: z.literal("metadata"),
    name,
    metadataXml: z
      .string()
      .trim()
      .min(1, "Paste the identity provider's metadata XML")
      .max(512 * 1024),
    ...options,
  }),
  z.object({
    source: z.literal("manual"),
    name,
    entityId: z.string().trim().min(1, "Enter the entity id").max(1000),
    ssoUrl: address,
    sloUrl: address.nullable().default(null),
    certificates: z
      .array(certificate)
      .min(1, "Paste at least one certificate")
      .max(2, "At most two certificates (a rollover)"),
    ...options,
  }),
]);
export type CreateIdentityProviderInput = z.infer<typeof createIdentityProviderInput>;

export const identityProviderIdInput = z.object({ identityProviderId: uuid });
export type IdentityProviderIdInput = z.infer<typeof identityProviderIdInput>;

/** Changes what is given; certificates replace the stored ones (add the next one, later drop the old one). */
export const updateIdentityProviderInput = z.object({
  identityProviderId: uuid,
  name: name.optional(),
  entityId: z.string().trim().min(1, "Enter the entity id").max(1000).optional(),
  ssoUrl: address.optional(),
  sloUrl: address.nullable().optional(),
  certificates: z
    .array(certificate)
    .min(1, "Keep at least one certificate")
    .max(2, "At most two certificates (a rollover)")
    .optional(),
  trustsEmail: z.boolean().optional(),
  assertableRoles: z.array(assertableRole).min(1, "Choose at least one role").optional(),
  attributeMap: attributeMap.optional(),
});
export type UpdateIdentityProviderInput = z.infer<typeof updateIdentityProviderInput>;

export const identityProviderView = z.object({
  id: uuid,
  name: z.string(),
  entityId: z.string(),
  ssoUrl: z.string(),
  sloUrl: z.string().nullable(),
  /** Public certificates (PEM): the edit form sends back the ones it keeps during a rollover. */
  certificates: z.array(z.object({ subject: z.string(), notAfter: z.iso.datetime(), pem: z.string() })),
  trustsEmail: z.boolean(),
  assertableRoles: z.array(assertableRole),
  attributeMap,
  /** Where the browser starts a sign-in with this identity provider. */
  signInUrl: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type IdentityProviderView = z.infer<typeof identityProviderView>;

/** What an institution's identity-provider admins need of its service provider. */
export const serviceProviderView = z.object({
  entityId: z.string(),
  acsUrl: z.string(),
  metadataUrl: z.string(),
});
export type ServiceProviderView = z.infer<typeof serviceProviderView>;

/** An identity provider as the public sign-in page shows it: "Sign in with <name>". */
export const signInOption = z.object({ name: z.string(), signInUrl: z.string() });
export type SignInOption = z.infer<typeof signInOption>;

export const linkRequestIdInput = z.object({ linkRequestId: uuid });
export type LinkRequestIdInput = z.infer<typeof linkRequestIdInput>;

/** Rejecting a link request says why, for the audit trail and for whoever looks into it later. */
export const rejectLinkInput = linkRequestIdInput.extend({
  reason: z.string().trim().min(10, "Give a reason of at least 10 characters").max(500, "Use at most 500 characters"),
});
export type RejectLinkInput = z.infer<typeof rejectLinkInput>;

/**
 * A sign-in refused because an account with the asserted address exists: confirming links the identity
 * provider's account (its NameID) to it, so the person's next single sign-on works.
 */
export const linkRequestView = z.object({
  id: uuid,
  identityProviderId: uuid,
  identityProviderName: z.string(),
  nameId: z.string(),
  email: z.string(),
  requestedAt: z.iso.datetime(),
});
export type LinkRequestView = z.infer<typeof linkRequestView>;

/**
 * A key pair of the institution's service provider, as admins see it: its certificate and where it is in a
 * rotation (next: published, not yet signing; current: signs and decrypts; previous: decrypts until its
 * grace period ends; retired: private key erased). The private key is never part of any answer.
 */
export const serviceProviderKeyStatus = z.enum(["next", "current", "previous", "retired"]);
export type ServiceProviderKeyStatus = z.infer<typeof serviceProviderKeyStatus>;

export const serviceProviderKeyView = z.object({
  id: uuid,
  status: serviceProviderKeyStatus,
  certificate: z.string(),
  fingerprintSha256: z.string(),
  notAfter: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  activatedAt: z.iso.datetime().nullable(),
  decryptsUntil: z.iso.datetime().nullable(),
  retiredAt: z.iso.datetime().nullable(),
});
export type ServiceProviderKeyView = z.infer<typeof serviceProviderKeyView>;

/** What an institution's service provider keys need next (`keyRenewalDue` in packages/domain decides). */
export type KeyRenewal =
  | { step: "none" }
  /** The current certificate runs out within the lead time and no next key is prepared. */
  | { step: "prepare"; expiresAt: string; daysLeft: number }
  /** Within the lead time, with a next key that outlives the current one: send its metadata, then switch. */
  | { step: "switch"; expiresAt: string; daysLeft: number }
  /** The current certificate has run out: identity providers that check it may refuse sign-in requests. */
  | { step: "expired"; expiresAt: string };

export const serviceProviderKeyIdInput = z.object({ keyId: uuid });
export type ServiceProviderKeyIdInput = z.infer<typeof serviceProviderKeyIdInput>;
