/** Where the app is served from ("/learn/"), as Vite's `base` sets it. */
export const basePath = import.meta.env.BASE_URL;

/** The sessions page: two segments, so it can never be taken for an institution's slug. */
export const sessionsHref = `${basePath}account/sessions`;

export type Route = { page: "home" } | { page: "sessions" } | { page: "institution"; slug: string };

/**
 * The page for a path under the app. There are three, so a router library would cost more than it saves:
 * `/learn/` is the directory (signed out) or the learner's home (signed in), `/learn/<slug>` is one
 * institution's sign-in page, `/learn/account/sessions` the list of the learner's sessions.
 */
export function routeFor(pathname: string): Route {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : "";
  const segment = rest.replace(/\/+$/, "");
  if (!segment) return { page: "home" };
  if (segment === "account/sessions") return { page: "sessions" };
  try {
    // The API validates the slug and answers BAD_REQUEST or NOT_FOUND, which the page shows as it is.
    return { page: "institution", slug: decodeURIComponent(segment) };
  } catch {
    return { page: "institution", slug: segment };
  }
}

export function institutionHref(slug: string): string {
  return `${basePath}${encodeURIComponent(slug)}`;
}
