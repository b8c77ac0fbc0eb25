import type { Permission } from "@learnops/contracts/permissions";

/** Where the app is served from ("/admin/"), as Vite's `base` sets it. */
export const basePath = import.meta.env.BASE_URL;

/**
 * The console's sections: each at `/admin/<path>`, listed in the navigation for the people whose role has
 * its permission (the API refuses the rest whatever the navigation shows).
 */
export const sections = [
  { page: "operations", path: "", label: "Operations", permission: null },
  { page: "people", path: "people", label: "People", permission: "users.read" },
  { page: "courses", path: "courses", label: "Courses", permission: "courses.manage" },
  { page: "enrolments", path: "enrolments", label: "Enrolments", permission: "enrolments.read" },
  { page: "imports", path: "imports", label: "Bulk enrolment", permission: "enrolments.manage" },
  { page: "learners", path: "learners", label: "Find a learner", permission: "learners.search" },
  { page: "progress", path: "progress", label: "Progress", permission: "progress.read" },
  { page: "promotions", path: "promotions", label: "Promotions", permission: "promotions.manage" },
  { page: "contracts", path: "contracts", label: "Contracts", permission: "contracts.manage" },
  { page: "client-groups", path: "client-groups", label: "Client groups", permission: "client_groups.read" },
  { page: "branding", path: "branding", label: "Branding", permission: "institution.update_branding" },
  { page: "api-keys", path: "api-keys", label: "API keys", permission: "api_keys.manage" },
  {
    page: "single-sign-on",
    path: "single-sign-on",
    label: "Single sign-on",
    permission: "identity_providers.manage",
  },
  { page: "audit", path: "audit", label: "Audit log", permission: "audit.read" },
] as const satisfies readonly { page: string; path: string; label: string; permission: Permission | null }[];

export type Section = (typeof sections)[number];
export type Page = Section["page"];

export function sectionHref(section: Section): string {
  return `${basePath}${section.path}`;
}

/** The section at a path under the app; null for a path that names none (the app says so). */
export function sectionFor(pathname: string): Section | null {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : "";
  const path = rest.replace(/\/+$/, "");
  return sections.find((section) => section.path === path) ?? null;
}

/** The sections a person with these permissions may open. */
export function sectionsFor(permissions: readonly Permission[]): Section[] {
  return sections.filter((section) => section.permission === null || permissions.includes(section.permission));
}
