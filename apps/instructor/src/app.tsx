import { useTRPC } from "@learnops/ui/api-provider";
import {
  AppShell,
  BrandSwatch,
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusList,
  TimeOfDay,
} from "@learnops/ui/components";
import { useQuery } from "@tanstack/react-query";

/**
 * The instructor's landing page. Review queues do not exist yet, so it says so plainly and shows what is
 * real today: the institutions on the platform and whether the platform is working.
 */
export function App() {
  return (
    <AppShell appName="Instructor review" homeHref={import.meta.env.BASE_URL}>
      <PageHeader title="Review queue" lead="Learners’ submissions wait here for your feedback." />
      <Card title="Waiting for review">
        <EmptyState title="No submissions are waiting for review">
          Review queues open with courses and assignments; submissions will appear here as learners send them.
        </EmptyState>
      </Card>
      <div className="card-grid">
        <InstitutionsCard />
        <PlatformStatusCard />
      </div>
    </AppShell>
  );
}

function InstitutionsCard() {
  const trpc = useTRPC();
  const directory = useQuery(trpc.institutions.directory.queryOptions());
  return (
    <Card
      title="Institutions you can teach for"
      description="Until instructor sign-in exists, every institution on the platform is listed."
    >
      {directory.isPending ? (
        <LoadingState label="Loading institutions…" />
      ) : directory.isError ? (
        <ErrorState
          title="Institutions could not be loaded"
          error={directory.error}
          onRetry={() => void directory.refetch()}
        />
      ) : directory.data.length === 0 ? (
        <EmptyState title="No institutions yet">An administrator adds institutions in the admin console.</EmptyState>
      ) : (
        <ul className="institution-list">
          {directory.data.map((institution) => (
            <li key={institution.slug}>
              <BrandSwatch colour={institution.primaryColour} />
              {institution.displayName}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function PlatformStatusCard() {
  const trpc = useTRPC();
  const status = useQuery(trpc.operations.status.queryOptions(undefined, { refetchInterval: 60_000 }));
  return (
    <Card title="Platform status">
      {status.isPending ? (
        <LoadingState label="Checking the platform…" />
      ) : status.isError ? (
        <ErrorState title="The platform status is unknown" error={status.error} onRetry={() => void status.refetch()} />
      ) : (
        <>
          <StatusList
            items={[
              {
                label: "Database",
                tone: status.data.database === "up" ? "positive" : "critical",
                value: status.data.database === "up" ? "Up" : "Down",
              },
              {
                label: "Job queue",
                tone: status.data.jobQueue === "up" ? "positive" : "critical",
                value: status.data.jobQueue === "up" ? "Up" : "Down",
              },
            ]}
          />
          <p className="meta">
            Checked at <TimeOfDay value={status.data.checkedAt} />
          </p>
        </>
      )}
    </Card>
  );
}
