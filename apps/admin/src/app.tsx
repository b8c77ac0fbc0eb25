import type { Role } from "@learnops/contracts/auth";
import type { SessionView } from "@learnops/contracts/me";
import { EmptyState, PageHeader, StatusMessage, useDocumentTitle } from "@learnops/ui/components";
import { AppLink, usePathname } from "@learnops/ui/navigation";
import { roleLabel, SignedInApp } from "@learnops/ui/session";
import { ApiKeysPage } from "./api-keys-page.tsx";
import { AuditPage } from "./audit-page.tsx";
import { BrandingPage } from "./branding-page.tsx";
import { ClientGroupsPage } from "./client-groups-page.tsx";
import { ContractsPage } from "./contracts-page.tsx";
import { CoursesPage } from "./courses-page.tsx";
import { EnrolmentsPage } from "./enrolments-page.tsx";
import { ImportsPage } from "./imports-page.tsx";
import { InstitutionsCard } from "./institutions-card.tsx";
import { LearnerSearchPage } from "./learner-search-page.tsx";
import { PeoplePage } from "./people-page.tsx";
import { PlatformStatusCard } from "./platform-status-card.tsx";
import { ProgressPage } from "./progress-page.tsx";
import { PromotionsPage } from "./promotions-page.tsx";
import { type Page, type Section, sectionFor, sectionHref, sectionsFor } from "./routes.ts";
import { SingleSignOnPage } from "./single-sign-on-page.tsx";
import { WorkerCheckCard } from "./worker-check-card.tsx";

/** Roles the admin console is for: institution admins, support agents, client managers, platform admins. */
const adminRoles: readonly Role[] = ["course_admin", "support_agent", "client_manager", "platform_admin"];

export function App() {
  return (
    <SignedInApp
      appName="Admin console"
      basePath={import.meta.env.BASE_URL}
      signInLead="Run your institution on LearnOps: people, courses, reports and the platform’s health."
    >
      {(session) => <AdminConsole session={session} />}
    </SignedInApp>
  );
}

/** The sections the person's role may open, and the one the address names. */
function AdminConsole({ session }: { session: SessionView }) {
  const section = sectionFor(usePathname());
  const allowed = sectionsFor(session.permissions);
  return (
    <>
      {allowed.length > 1 ? <SectionNavigation sections={allowed} current={section} /> : null}
      {section === null ? (
        <NoSuchPage />
      ) : allowed.includes(section) ? (
        <SectionPage page={section.page} session={session} />
      ) : (
        <NotPermitted section={section} session={session} />
      )}
    </>
  );
}

function SectionPage({ page, session }: { page: Page; session: SessionView }) {
  switch (page) {
    case "operations":
      return <OperationsPage session={session} />;
    case "people":
      return <PeoplePage session={session} />;
    case "courses":
      return <CoursesPage session={session} />;
    case "enrolments":
      return <EnrolmentsPage session={session} />;
    case "imports":
      return <ImportsPage session={session} />;
    case "learners":
      return <LearnerSearchPage session={session} />;
    case "progress":
      return <ProgressPage session={session} />;
    case "promotions":
      return <PromotionsPage session={session} />;
    case "contracts":
      return <ContractsPage session={session} />;
    case "client-groups":
      return <ClientGroupsPage session={session} />;
    case "branding":
      return <BrandingPage session={session} />;
    case "api-keys":
      return <ApiKeysPage session={session} />;
    case "single-sign-on":
      return <SingleSignOnPage />;
    case "audit":
      return <AuditPage session={session} />;
    default:
      return <NoSuchPage />;
  }
}

function SectionNavigation({ sections, current }: { sections: readonly Section[]; current: Section | null }) {
  return (
    <nav className="section-nav" aria-label="Admin console sections">
      <ul>
        {sections.map((section) => (
          <li key={section.page}>
            <AppLink href={sectionHref(section)} aria-current={section === current ? "page" : undefined}>
              {section.label}
            </AppLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function NoSuchPage() {
  useDocumentTitle("Page not found · LearnOps Admin");
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState title="The admin console has no page at this address">
        <AppLink href={import.meta.env.BASE_URL}>Go to Operations</AppLink>
      </EmptyState>
    </>
  );
}

function NotPermitted({ section, session }: { section: Section; session: SessionView }) {
  useDocumentTitle(`${section.label} · LearnOps Admin`);
  const membership = session.activeMembership;
  return (
    <>
      <PageHeader title={section.label} />
      <StatusMessage>
        {membership
          ? `As ${roleLabel(membership.role).toLowerCase()} at ${membership.institution.displayName} you cannot open ${section.label.toLowerCase()}.`
          : `Choose a membership under “Acting as” to open ${section.label.toLowerCase()}.`}{" "}
        If another of your memberships may, choose it under “Acting as”.
      </StatusMessage>
    </>
  );
}

/** The operations view: whether the platform's moving parts answer, and the institutions it serves. */
function OperationsPage({ session }: { session: SessionView }) {
  useDocumentTitle("Operations · LearnOps Admin");
  const membership = session.activeMembership;
  return (
    <>
      <PageHeader
        title="Operations"
        lead="Whether the database, the job queue and the workers answer, and the institutions on the platform."
      />
      {membership && !adminRoles.includes(membership.role) ? (
        <StatusMessage>
          As {roleLabel(membership.role).toLowerCase()} at {membership.institution.displayName} you have nothing to
          administer here. If you administer somewhere else, choose that membership under “Acting as”.
        </StatusMessage>
      ) : null}
      <div className="card-grid">
        <PlatformStatusCard />
        <WorkerCheckCard />
      </div>
      <InstitutionsCard />
    </>
  );
}
