import { X509Certificate } from "node:crypto";
import {
  checkCertificate,
  checkEndpointUrl,
  IdentityProviderConfigProblem,
  parseIdentityProviderMetadata,
} from "@learnops/auth/saml/identity-provider-config";
import { serviceProviderEndpoints } from "@learnops/auth/saml/service-provider";
import {
  type AssertableRole,
  type AttributeMap,
  createIdentityProviderInput,
  type IdentityProviderView,
  identityProviderIdInput,
  type LinkRequestView,
  linkRequestIdInput,
  rejectLinkInput,
  type ServiceProviderKeyView,
  serviceProviderKeyIdInput,
  updateIdentityProviderInput,
} from "@learnops/contracts/identity-providers";
import { institutionBySlugInput } from "@learnops/contracts/institutions";
import { findInstitutionBySlug } from "@learnops/db/queries/institutions";
import {
  deleteIdentityProvider,
  entityIdTaken,
  findIdentityProvider,
  type IdentityProviderRow,
  insertIdentityLink,
  insertIdentityProvider,
  listIdentityProviders,
  listLinkRequests,
  takeLinkRequest,
  updateIdentityProvider,
} from "@learnops/db/queries/saml";
import {
  activateNextServiceProviderKey,
  insertServiceProviderKey,
  listServiceProviderKeys,
  retireServiceProviderKey,
  type ServiceProviderKeyRow,
} from "@learnops/db/queries/saml-service-provider-keys";
import { withTenant } from "@learnops/db/tenancy";
import { keyRenewalDue } from "@learnops/domain/service-provider-keys";
import { TRPCError } from "@trpc/server";
import { recordAction } from "../audit-trail.ts";
import { newServiceProviderKey, previousKeyGraceDays, serviceProviderKeyring } from "../saml-service-provider-keys.ts";
import { notFound, permittedProcedure, publicProcedure, router } from "../trpc.ts";

/** A BAD_REQUEST naming its field, shaped like a schema issue so clients show it beside that field. */
class FieldProblem extends Error {
  readonly issues: { path: string[]; message: string }[];
  constructor(field: string, message: string) {
    super(message);
    this.issues = [{ path: [field], message }];
  }
}

function badField(field: string, message: string): TRPCError {
  return new TRPCError({ code: "BAD_REQUEST", message, cause: new FieldProblem(field, message) });
}

/** Runs a configuration check, turning its problem into a BAD_REQUEST on the field it names. */
function checked<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof IdentityProviderConfigProblem) throw badField(error.field, error.message);
    throw error;
  }
}

function certificateSummary(pem: string) {
  const certificate = new X509Certificate(pem);
  return { subject: certificate.subject, notAfter: new Date(certificate.validTo).toISOString() };
}

function signInPath(slug: string, identityProviderId: string): string {
  return `/auth/saml/${encodeURIComponent(slug)}/login?idp=${identityProviderId}`;
}

function toView(row: IdentityProviderRow, slug: string): IdentityProviderView {
  return {
    id: row.id,
    name: row.name,
    entityId: row.entity_id,
    ssoUrl: row.sso_url,
    sloUrl: row.slo_url,
    certificates: row.certificates.map((pem) => ({ ...certificateSummary(pem), pem })),
    trustsEmail: row.trusts_email,
    assertableRoles: row.assertable_roles as AssertableRole[],
    attributeMap: (row.attribute_map ?? {}) as AttributeMap,
    signInUrl: signInPath(slug, row.id),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** What the audit trail keeps of a configuration: enough to see what changed, no certificate bodies. */
function auditable(row: IdentityProviderRow) {
  return {
    name: row.name,
    entityId: row.entity_id,
    ssoUrl: row.sso_url,
    sloUrl: row.slo_url,
    certificates: row.certificates.map(certificateSummary),
    trustsEmail: row.trusts_email,
    assertableRoles: row.assertable_roles,
    attributeMap: row.attribute_map,
  };
}

function keyView(row: ServiceProviderKeyRow): ServiceProviderKeyView {
  return {
    id: row.id,
    status: row.status as ServiceProviderKeyView["status"],
    certificate: row.certificate,
    fingerprintSha256: row.fingerprint_sha256,
    notAfter: row.not_after.toISOString(),
    createdAt: row.created_at.toISOString(),
    activatedAt: row.activated_at?.toISOString() ?? null,
    decryptsUntil: row.decrypts_until?.toISOString() ?? null,
    retiredAt: row.retired_at?.toISOString() ?? null,
  };
}

/** What the audit trail keeps of a key: which one (by fingerprint), never key material. */
function auditableKey(row: ServiceProviderKeyRow | undefined) {
  return row ? { fingerprintSha256: row.fingerprint_sha256, notAfter: row.not_after.toISOString() } : null;
}

/** The institution's SAML identity providers: several per institution, each with one or two certificates. */
export const identityProvidersRouter = router({
  list: permittedProcedure("identity_providers.manage").query(async ({ ctx }) => {
    const slug = ctx.membership.institution_slug;
    const endpoints = serviceProviderEndpoints(ctx.publicUrl, slug);
    return {
      serviceProvider: { entityId: endpoints.entityId, acsUrl: endpoints.acsUrl, metadataUrl: endpoints.metadataUrl },
      identityProviders: (await listIdentityProviders(ctx.db)).map((row) => toView(row, slug)),
    };
  }),

  /** From the identity provider's metadata XML, or from its entity id, sign-in address and certificates. */
  create: permittedProcedure("identity_providers.manage")
    .input(createIdentityProviderInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const described = checked(() =>
        input.source === "metadata"
          ? parseIdentityProviderMetadata(input.metadataXml, now)
          : {
              entityId: input.entityId,
              ssoUrl: checkEndpointUrl("ssoUrl", input.ssoUrl),
              sloUrl: input.sloUrl ? checkEndpointUrl("sloUrl", input.sloUrl) : null,
              certificates: input.certificates.map(
                (certificate, index) => checkCertificate(`certificates.${index}`, certificate, now).pem,
              ),
            },
      );
      const row = await insertIdentityProvider(ctx.db, ctx.institutionId, {
        name: input.name,
        ...described,
        trustsEmail: input.trustsEmail,
        assertableRoles: [...new Set(input.assertableRoles)],
        attributeMap: input.attributeMap,
      });
      if (!row)
        throw badField(
          input.source === "metadata" ? "metadataXml" : "entityId",
          `An identity provider with the entity id ${described.entityId} is already set up here`,
        );
      await recordAction(ctx, {
        action: "identity_provider.created",
        targetType: "saml_identity_provider",
        targetId: row.id,
        after: auditable(row),
      });
      return toView(row, ctx.membership.institution_slug);
    }),

  update: permittedProcedure("identity_providers.manage")
    .input(updateIdentityProviderInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      const before = await findIdentityProvider(ctx.db, input.identityProviderId);
      if (!before) throw notFound("Identity provider");
      if (
        input.entityId !== undefined &&
        (await entityIdTaken(ctx.db, { entityId: input.entityId, exceptId: input.identityProviderId }))
      )
        throw badField("entityId", `An identity provider with the entity id ${input.entityId} is already set up here`);
      const row = await updateIdentityProvider(ctx.db, input.identityProviderId, {
        name: input.name,
        entityId: input.entityId,
        ssoUrl: input.ssoUrl === undefined ? undefined : checked(() => checkEndpointUrl("ssoUrl", input.ssoUrl ?? "")),
        sloUrl:
          input.sloUrl === undefined || input.sloUrl === null
            ? input.sloUrl
            : checked(() => checkEndpointUrl("sloUrl", input.sloUrl ?? "")),
        certificates: input.certificates?.map(
          (certificate, index) => checked(() => checkCertificate(`certificates.${index}`, certificate, now)).pem,
        ),
        trustsEmail: input.trustsEmail,
        assertableRoles: input.assertableRoles ? [...new Set(input.assertableRoles)] : undefined,
        attributeMap: input.attributeMap,
      });
      if (!row) throw notFound("Identity provider");
      await recordAction(ctx, {
        action: "identity_provider.updated",
        targetType: "saml_identity_provider",
        targetId: row.id,
        before: auditable(before),
        after: auditable(row),
      });
      return toView(row, ctx.membership.institution_slug);
    }),

  /** Removes it with its account links: people it signed in keep their accounts and memberships. */
  remove: permittedProcedure("identity_providers.manage")
    .input(identityProviderIdInput)
    .mutation(async ({ ctx, input }) => {
      const removed = await deleteIdentityProvider(ctx.db, input.identityProviderId);
      if (!removed) throw notFound("Identity provider");
      await recordAction(ctx, {
        action: "identity_provider.removed",
        targetType: "saml_identity_provider",
        targetId: removed.id,
        before: { name: removed.name, entityId: removed.entity_id },
      });
      return { removed: true };
    }),

  /** Sign-ins refused because an account with the asserted address exists, waiting for an admin. */
  linkRequests: permittedProcedure("identity_providers.manage").query(
    async ({ ctx }): Promise<LinkRequestView[]> =>
      (await listLinkRequests(ctx.db)).map((request) => ({
        id: request.id,
        identityProviderId: request.identity_provider_id,
        identityProviderName: request.identity_provider_name,
        nameId: request.name_id,
        email: request.asserted_email,
        requestedAt: request.requested_at.toISOString(),
      })),
  ),

  /**
   * Links the identity provider's account to the existing account with that address: the admin confirms it
   * is the same person. The link gives a membership here only: a session from single sign-on acts in this
   * institution alone, never in the account's other institutions.
   */
  confirmLink: permittedProcedure("identity_providers.manage")
    .input(linkRequestIdInput)
    .mutation(async ({ ctx, input }) => {
      const request = await takeLinkRequest(ctx.db, input.linkRequestId);
      if (!request) throw notFound("Link request");
      const link = await insertIdentityLink(ctx.db, {
        institutionId: ctx.institutionId,
        identityProviderId: request.identity_provider_id,
        nameId: request.name_id,
        userId: request.user_id,
        now: ctx.now(),
      });
      await recordAction(ctx, {
        action: "saml.identity_link_confirmed",
        targetType: "saml_identity_link",
        targetId: link.id,
        after: { identityProviderId: request.identity_provider_id, nameId: request.name_id, userId: request.user_id },
      });
      return { linked: true };
    }),

  rejectLink: permittedProcedure("identity_providers.manage")
    .input(rejectLinkInput)
    .mutation(async ({ ctx, input }) => {
      const request = await takeLinkRequest(ctx.db, input.linkRequestId);
      if (!request) throw notFound("Link request");
      await recordAction(ctx, {
        action: "saml.identity_link_rejected",
        targetType: "saml_link_request",
        targetId: request.id,
        before: {
          identityProviderId: request.identity_provider_id,
          nameId: request.name_id,
          email: request.asserted_email,
        },
        after: { reason: input.reason },
      });
      return { rejected: true };
    }),

  /**
   * The service provider's key pairs, newest rotation first: certificates and fingerprints only, never a
   * private key. An institution that never had one gets its first current key here.
   */
  serviceProviderKeys: permittedProcedure("identity_providers.manage").query(async ({ ctx }) => {
    const endpoints = serviceProviderEndpoints(ctx.publicUrl, ctx.membership.institution_slug);
    await serviceProviderKeyring(ctx.db, {
      institutionId: ctx.institutionId,
      entityId: endpoints.entityId,
      now: ctx.now(),
    });
    const keys = (await listServiceProviderKeys(ctx.db)).map(keyView);
    // What the keys need next: the next key prepared, or the switch, before the current certificate runs out.
    return { metadataUrl: endpoints.metadataUrl, previousKeyGraceDays, keys, renewal: keyRenewalDue(keys, ctx.now()) };
  }),

  /** Makes the next key: published in the metadata at once, signing only once activated. */
  createNextServiceProviderKey: permittedProcedure("identity_providers.manage").mutation(async ({ ctx }) => {
    const now = ctx.now();
    const endpoints = serviceProviderEndpoints(ctx.publicUrl, ctx.membership.institution_slug);
    // Every institution has a current key before it has a next one.
    await serviceProviderKeyring(ctx.db, { institutionId: ctx.institutionId, entityId: endpoints.entityId, now });
    const pair = newServiceProviderKey({ entityId: endpoints.entityId, now });
    const inserted = await insertServiceProviderKey(ctx.db, {
      ...pair,
      institutionId: ctx.institutionId,
      status: "next",
      now,
    });
    if (!inserted)
      throw new TRPCError({
        code: "CONFLICT",
        message: "A next key already exists: activate it or retire it before making another",
      });
    const row = (await listServiceProviderKeys(ctx.db)).find((key) => key.id === inserted.id);
    await recordAction(ctx, {
      action: "saml.sp_key_created",
      targetType: "saml_service_provider_key",
      targetId: inserted.id,
      after: auditableKey(row),
    });
    return keyView(row as ServiceProviderKeyRow);
  }),

  /**
   * Switches to the next key: it signs from now on; the current one becomes previous and still decrypts for
   * the grace period; an older previous key is retired.
   */
  activateNextServiceProviderKey: permittedProcedure("identity_providers.manage").mutation(async ({ ctx }) => {
    const now = ctx.now();
    const switched = await activateNextServiceProviderKey(ctx.db, {
      now,
      decryptsUntil: new Date(now.getTime() + previousKeyGraceDays * 24 * 60 * 60 * 1000),
    });
    if (!switched)
      throw new TRPCError({ code: "CONFLICT", message: "There is no next key to activate: make one first" });
    const keys = await listServiceProviderKeys(ctx.db);
    const find = (id: string | null) => keys.find((key) => key.id === id);
    await recordAction(ctx, {
      action: "saml.sp_key_activated",
      targetType: "saml_service_provider_key",
      targetId: switched.activatedId,
      before: { current: auditableKey(find(switched.previousId)) },
      after: {
        current: auditableKey(find(switched.activatedId)),
        previousDecryptsUntil: find(switched.previousId)?.decrypts_until?.toISOString() ?? null,
        retired: switched.retiredIds.map((id) => auditableKey(find(id))),
      },
    });
    return { keys: keys.map(keyView) };
  }),

  /** Retires a previous key (ending its grace period now) or a next key never activated; erases its private key. */
  retireServiceProviderKey: permittedProcedure("identity_providers.manage")
    .input(serviceProviderKeyIdInput)
    .mutation(async ({ ctx, input }) => {
      const retired = await retireServiceProviderKey(ctx.db, { id: input.keyId, now: ctx.now() });
      if (!retired) {
        const exists = (await listServiceProviderKeys(ctx.db)).some((key) => key.id === input.keyId);
        if (!exists) throw notFound("Service provider key");
        throw new TRPCError({
          code: "CONFLICT",
          message: "Only a previous or next key can be retired; the current key is replaced by activating the next",
        });
      }
      const keys = await listServiceProviderKeys(ctx.db);
      await recordAction(ctx, {
        action: "saml.sp_key_retired",
        targetType: "saml_service_provider_key",
        targetId: input.keyId,
        before: { status: retired.formerStatus },
        after: auditableKey(keys.find((key) => key.id === input.keyId)),
      });
      return { keys: keys.map(keyView) };
    }),

  /** The "Sign in with …" buttons of an institution's public sign-in page. */
  signInOptions: publicProcedure.input(institutionBySlugInput).query(async ({ ctx, input }) => {
    const institution = await findInstitutionBySlug(ctx.db, input.slug);
    if (!institution) throw notFound(`Institution "${input.slug}"`);
    const rows = await withTenant(ctx.db, { institutionId: institution.id }, (trx) => listIdentityProviders(trx));
    return rows.map((row) => ({ name: row.name, signInUrl: signInPath(institution.slug, row.id) }));
  }),
});
