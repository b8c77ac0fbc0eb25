/** Where the app is served from ("/learn/"), as Vite's `base` sets it. */
export const basePath = import.meta.env.BASE_URL;

export type Route = { page: "directory" } | { page: "institution"; slug: string };

/**
 * The page for a path under the app. There are two, so a router library would cost more than it saves:
 * `/learn/` lists institutions, `/learn/<slug>` is one institution's page. Links are plain anchors.
 */
export function routeFor(pathname: string): Route {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : "";
  const segment = rest.replace(/\/+$/, "");
  if (!segment) return { page: "directory" };
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
