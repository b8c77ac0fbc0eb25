import type { Role } from "@learnops/contracts/auth";
import type { Database } from "@learnops/db/client";
import { insertOutboxMessage, unsentOutboxMessageIds } from "@learnops/db/queries/email-outbox";
import { keysForRenewalNotice, recordRenewalNotice } from "@learnops/db/queries/saml-service-provider-keys";
import { withTenant } from "@learnops/db/tenancy";
import { hasPermission, rolePermissions } from "@learnops/domain/permissions";
import { keyRenewalDue } from "@learnops/domain/service-provider-keys";
import { deliverEmail } from "@learnops/email/delivery";
import { serviceProviderKeyRenewalEmail } from "@learnops/email/templates";
import type { EmailTransport } from "@learnops/email/transport";
import type { Logger } from "pino";

const kind = "service_provider_key_renewal";

/** The roles that manage single sign-on, and so hear about its keys. */
const keyHolderRoles = (Object.keys(rolePermissions) as Role[]).filter((role) =>
  hasPermission(role, "identity_providers.manage"),
);

/**
 * The service-provider key renewal job: for each institution whose current key needs something (`keyRenewalDue`:
 * prepare the next key, switch to it, or the certificate has run out), emails the people with an active
 * membership there who manage single sign-on, through the outbox, and delivers the messages. The current key
 * records the step it was emailed about, in the same transaction as the messages, under its row lock: each step
 * goes out once per key, whatever the schedule or a redelivery. An institution whose key needs nothing, or
 * whose step was sent already, is left alone. Every renewal message of the last two days still unsent is then
 * delivered (idempotent by outbox id): one the provider refused goes out when the job is retried, or next day.
 */
export async function notifyServiceProviderKeyRenewals(
  db: Database,
  now: Date,
  services: { transport: EmailTransport; log: Logger; publicUrl?: string | null | undefined },
): Promise<{ institutionId: string; step: string; recipients: number }[]> {
  const institutions = await db.selectFrom("institutions").select(["id", "display_name"]).orderBy("id").execute();
  const notified: { institutionId: string; step: string; recipients: number }[] = [];
  const pageUrl = services.publicUrl ? new URL("/admin/single-sign-on", services.publicUrl).href : null;
  for (const institution of institutions) {
    await withTenant(db, { institutionId: institution.id }, async (trx) => {
      const keys = await keysForRenewalNotice(trx);
      const current = keys.find((key) => key.status === "current");
      const renewal = keyRenewalDue(
        keys.map((key) => ({ status: key.status as "current" | "next", notAfter: key.not_after.toISOString() })),
        now,
      );
      if (!current || renewal.step === "none" || renewal.step === current.renewal_notice) return;
      const recipients = await trx
        .selectFrom("memberships")
        .innerJoin("users", "users.id", "memberships.user_id")
        .select(["users.id", "users.email", "users.display_name"])
        .where("memberships.status", "=", "active")
        .where("memberships.role", "in", keyHolderRoles)
        .orderBy("users.email")
        .execute();
      for (const recipient of recipients) {
        const message = serviceProviderKeyRenewalEmail({
          displayName: recipient.display_name,
          institutionName: institution.display_name,
          renewal,
          pageUrl,
        });
        await insertOutboxMessage(trx, { kind, userId: recipient.id, to: recipient.email, ...message });
      }
      await recordRenewalNotice(trx, { keyId: current.id, step: renewal.step });
      notified.push({ institutionId: institution.id, step: renewal.step, recipients: recipients.length });
    });
  }
  const since = new Date(now.getTime() - 2 * 24 * 60 * 60 * 1000);
  for (const outboxId of await unsentOutboxMessageIds(db, { kind, since })) {
    await deliverEmail(db, services.transport, outboxId, services.log);
  }
  return notified;
}
