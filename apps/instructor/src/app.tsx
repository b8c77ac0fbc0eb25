import type { Role } from "@learnops/contracts/auth";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Card,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusList,
  StatusMessage,
  TimeOfDay,
  useDocumentTitle,
} from "@learnops/ui/components";
import { roleLabel, SignedInApp } from "@learnops/ui/session";
import { useQuery } from "@tanstack/react-query";

/** Roles that review submissions, or oversee those who do. */
const reviewingRoles: readonly Role[] = ["instructor", "course_admin", "platform_admin"];

export function App() {
  return (
    <SignedInApp
      appName="Instructor review"
      basePath={import.meta.env.BASE_URL}
      signInLead="Review learners’ submissions and give them feedback."
    >
      {(session) => <ReviewQueuePage session={session} />}
    </SignedInApp>
  );
}

/**
 * The instructor's start page. Review queues do not exist yet, so it says so plainly and shows what is real
 * today: whether the platform is working.
 */
function ReviewQueuePage({ session }: { session: SessionView }) {
  useDocumentTitle("Review queue · LearnOps");
  const membership = session.activeMembership;
  return (
    <>
      <PageHeader title="Review queue" lead="Learners’ submissions wait here for your feedback." />
      {membership && !reviewingRoles.includes(membership.role) ? (
        <StatusMessage>
          As {roleLabel(membership.role).toLowerCase()} at {membership.institution.displayName} you have no submissions
          to review. If you also teach somewhere, choose that membership under “Acting as”.
        </StatusMessage>
      ) : null}
      <Card title="Waiting for review">
        <EmptyState title="No submissions are waiting for review">
          Review queues open with courses and assignments; submissions will appear here as learners send them.
        </EmptyState>
      </Card>
      <div className="card-grid">
        <PlatformStatusCard />
      </div>
    </>
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
