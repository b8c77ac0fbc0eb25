import type { ServiceProviderKeyView } from "@learnops/contracts/identity-providers";

/**
 * How long before the current key's certificate runs out the console asks for the next one: identity
 * providers' administrators need time to load new metadata, and some only change things on a schedule.
 */
export const keyRenewalLeadDays = 90;

const day = 86_400_000;

/** What an institution's service provider keys need next, as the single sign-on page says it. */
export type KeyRenewal =
  | { step: "none" }
  /** The current certificate runs out within the lead time and no next key is prepared. */
  | { step: "prepare"; expiresAt: string; daysLeft: number }
  /** Within the lead time, with a next key that outlives the current one: send its metadata, then switch. */
  | { step: "switch"; expiresAt: string; daysLeft: number }
  /** The current certificate has run out: identity providers that check it may refuse sign-in requests. */
  | { step: "expired"; expiresAt: string };

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
