/** Where the app is served from ("/learn/"), as Vite's `base` sets it. */
export const basePath = import.meta.env.BASE_URL;

/** The account pages: under `account/`, two segments, so they can never be taken for an institution's slug. */
export const sessionsHref = `${basePath}account/sessions`;
export const passwordHref = `${basePath}account/password`;

const accountPages = {
  "account/sessions": "sessions",
  "account/password": "password",
  "account/forgot-password": "forgotPassword",
  "account/reset-password": "resetPassword",
  "account/verify-email": "verifyEmail",
} as const;

type AccountPage = (typeof accountPages)[keyof typeof accountPages];

export type Route =
  | { page: "home" }
  | { page: AccountPage }
  | { page: "catalogue" }
  | { page: "course"; courseId: string }
  | { page: "lesson"; courseId: string; lessonId: string }
  | { page: "institution"; slug: string }
  | { page: "register"; slug: string };

/** The pages that need nobody signed in, nor anyone signed out: they work from a link in an email. */
export type PublicAccountPage = Extract<AccountPage, "forgotPassword" | "resetPassword" | "verifyEmail">;

export function isPublicAccountPage(route: Route): route is { page: PublicAccountPage } {
  return route.page === "forgotPassword" || route.page === "resetPassword" || route.page === "verifyEmail";
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The page for a path under the app. There are few, so a router library would cost more than it saves:
 * `/learn/` is the directory (signed out) or the learner's home (signed in), `/learn/<slug>` is one
 * institution's sign-in page and `/learn/<slug>/register` its registration, `/learn/account/…` the account
 * pages (sessions, password, and the pages the links in emails lead to), `/learn/courses` the catalogue,
 * `/learn/courses/<courseId>` a course and `/learn/courses/<courseId>/lessons/<lessonId>` one of its lessons.
 * "courses" is therefore never read as an institution's slug.
 */
export function routeFor(pathname: string): Route {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : "";
  const segment = rest.replace(/\/+$/, "");
  if (!segment) return { page: "home" };
  if (segment in accountPages) return { page: accountPages[segment as keyof typeof accountPages] };
  const learning = /^courses(?:\/([^/]+)(?:\/lessons\/([^/]+))?)?$/.exec(segment);
  if (learning) {
    const [, courseId, lessonId] = learning;
    // The API checks the ids and answers BAD_REQUEST or NOT_FOUND, which the page shows as it is.
    if (courseId && lessonId) return { page: "lesson", courseId: decoded(courseId), lessonId: decoded(lessonId) };
    if (courseId) return { page: "course", courseId: decoded(courseId) };
    return { page: "catalogue" };
  }
  const register = /^([^/]+)\/register$/.exec(segment);
  // The API validates the slug and answers BAD_REQUEST or NOT_FOUND, which the page shows as it is.
  if (register?.[1]) return { page: "register", slug: decoded(register[1]) };
  return { page: "institution", slug: decoded(segment) };
}

export function institutionHref(slug: string): string {
  return `${basePath}${encodeURIComponent(slug)}`;
}

export function registerHref(slug: string): string {
  return `${institutionHref(slug)}/register`;
}

/** The sign-in page to offer after an account step: the institution's when known, else the directory. */
export function signInHref(institutionSlug: string | null): string {
  return institutionSlug ? institutionHref(institutionSlug) : basePath;
}

/** The learner's pages: "My courses" (home), the catalogue, a course and one of its lessons. */
export const myCoursesHref = basePath;
export const catalogueHref = `${basePath}courses`;

export function courseHref(courseId: string): string {
  return `${catalogueHref}/${encodeURIComponent(courseId)}`;
}

export function lessonHref(courseId: string, lessonId: string): string {
  return `${courseHref(courseId)}/lessons/${encodeURIComponent(lessonId)}`;
}
