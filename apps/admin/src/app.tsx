import type { Role } from "@learnops/contracts/auth";
import type { SessionView } from "@learnops/contracts/me";
import { PageHeader, StatusMessage, useDocumentTitle } from "@learnops/ui/components";
import { roleLabel, SignedInApp } from "@learnops/ui/session";
import { InstitutionsCard } from "./institutions-card.tsx";
import { PlatformStatusCard } from "./platform-status-card.tsx";
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
      {(session) => <OperationsPage session={session} />}
    </SignedInApp>
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
