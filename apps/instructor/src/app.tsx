import type { Role } from "@learnops/contracts/auth";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Card,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  PercentMeter,
  StatusList,
  StatusMessage,
  TimeOfDay,
  useDocumentTitle,
} from "@learnops/ui/components";
import { roleLabel, SignedInApp } from "@learnops/ui/session";
import { useQuery } from "@tanstack/react-query";
import type { inferOutput } from "@trpc/tanstack-react-query";

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
      {session.permissions.includes("progress.read") ? <CohortProgressCard /> : null}
      <div className="card-grid">
        <PlatformStatusCard />
      </div>
    </>
  );
}

type CohortRow = inferOutput<ReturnType<typeof useTRPC>["progressReports"]["cohortCompletion"]>["rows"][number];

/** Where the console's progress reports are (the learners behind these figures, who stalled, what is overdue). */
const progressReportsHref = "/admin/progress";

/**
 * How the cohorts the instructor teaches are getting on (an instructor's reports are scoped to their cohorts;
 * a course administrator's cover the institution), newest cohort first, one page.
 */
function CohortProgressCard() {
  const trpc = useTRPC();
  const cohorts = useQuery(trpc.progressReports.cohortCompletion.queryOptions({ limit: 20 }));
  const columns: DataTableColumn<CohortRow>[] = [
    { key: "cohort", header: "Cohort", cell: (row) => row.cohort.name },
    { key: "course", header: "Course", cell: (row) => row.course.title },
    { key: "enrolled", header: "Enrolled", align: "end", cell: (row) => row.enrolled },
    {
      key: "completed",
      header: "Completed",
      cell: (row) => (
        <PercentMeter value={row.completedPercent} label={`${row.completed} (${row.completedPercent}%)`} />
      ),
    },
    {
      key: "average",
      header: "Average progress",
      cell: (row) => <PercentMeter value={row.averagePercent} label={`${row.averagePercent}%`} />,
    },
  ];
  return (
    <Card title="Your cohorts’ progress">
      {cohorts.isPending ? (
        <LoadingState label="Loading your cohorts…" />
      ) : cohorts.isError ? (
        <ErrorState
          title="Your cohorts’ progress could not be loaded"
          error={cohorts.error}
          onRetry={() => void cohorts.refetch()}
        />
      ) : cohorts.data.rows.length === 0 ? (
        <EmptyState title="No cohorts to show">Cohorts you teach appear here with their learners’ progress.</EmptyState>
      ) : (
        <>
          <DataTable
            caption="Learners enrolled and completed, and their average progress, newest cohort first"
            columns={columns}
            rows={cohorts.data.rows}
            rowKey={(row) => row.cohort.id}
          />
          <p className="meta">
            {cohorts.data.total > cohorts.data.rows.length
              ? `The ${cohorts.data.rows.length} newest of ${cohorts.data.total} cohorts. `
              : null}
            <a href={progressReportsHref}>See who has stalled or is overdue in the progress reports</a>
          </p>
        </>
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
