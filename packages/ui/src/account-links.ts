/**
 * Addresses of the account pages every app links to. Forgetting a password, choosing a new one and confirming
 * an address happen in the learner portal whichever app the person came from: the links in emails lead there.
 */

/** Where the API serves the learner portal (apps/api/src/web-apps.ts). */
export const learnerPortalPath = "/learn/";

/** "Forgot your password?", branded for the institution whose sign-in page it was reached from. */
export function forgotPasswordHref(institutionSlug?: string | null): string {
  const path = `${learnerPortalPath}account/forgot-password`;
  return institutionSlug ? `${path}?institution=${encodeURIComponent(institutionSlug)}` : path;
}

/** The change-password page of the app served at `basePath`: "/teach/account/password". */
export function changePasswordHref(basePath: string): string {
  return `${basePath}account/password`;
}
