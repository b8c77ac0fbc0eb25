import type { KeyRenewal, ServiceProviderKeyView } from "@learnops/contracts/identity-providers";

/**
 * How long before the current key's certificate runs out the console asks for the next one: identity
 * providers' administrators need time to load new metadata, and some only change things on a schedule.
 */
export const keyRenewalLeadDays = 90;

const day = 86_400_000;

/** Whether the current key's certificate is near its end (or past it), and what to do about it. */
export function keyRenewalDue(
  keys: readonly Pick<ServiceProviderKeyView, "status" | "notAfter">[],
  now: Date,
): KeyRenewal {
  const current = keys.find((key) => key.status === "current");
  if (!current) return { step: "none" };
  const endsAt = Date.parse(current.notAfter);
  if (endsAt <= now.getTime()) return { step: "expired", expiresAt: current.notAfter };
  const daysLeft = Math.ceil((endsAt - now.getTime()) / day);
  if (daysLeft > keyRenewalLeadDays) return { step: "none" };
  const next = keys.find((key) => key.status === "next");
  return next && Date.parse(next.notAfter) > endsAt
    ? { step: "switch", expiresAt: current.notAfter, daysLeft }
    : { step: "prepare", expiresAt: current.notAfter, daysLeft };
}
