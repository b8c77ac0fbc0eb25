import { AppShell, PageHeader } from "@learnops/ui/components";
import { InstitutionsCard } from "./institutions-card.tsx";
import { PlatformStatusCard } from "./platform-status-card.tsx";
import { WorkerCheckCard } from "./worker-check-card.tsx";

/** The operations view: whether the platform's moving parts answer, and the institutions it serves. */
export function App() {
  return (
    <AppShell appName="Admin console" homeHref={import.meta.env.BASE_URL}>
      <PageHeader
        title="Operations"
        lead="Whether the database, the job queue and the workers answer, and the institutions on the platform."
      />
      <div className="card-grid">
        <PlatformStatusCard />
        <WorkerCheckCard />
      </div>
      <InstitutionsCard />
    </AppShell>
  );
}
