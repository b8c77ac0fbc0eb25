import type { AppRouter } from "@learnops/api/root";
import { useTRPC } from "@learnops/ui/api-provider";
import { Button, ErrorState, LoadingState, StatusBadge } from "@learnops/ui/components";
import { useQuery } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { checkWords } from "./enrolment-words.ts";
import { DateText, ModalDialog } from "./settings-controls.tsx";

/** Whose access to which course: an enrolment's learner and course, or a search result's. */
export interface AccessQuestion {
  userId: string;
  learner: { displayName: string };
  course: { id: string; title: string };
}
type Inspection = inferOutput<TRPCOptionsProxy<AppRouter>["access"]["inspect"]>;
type Step = Inspection["decision"]["trace"][number];

const outcomeWords: Record<
  Step["outcome"],
  { label: string; tone: "positive" | "critical" | "neutral"; mark: string }
> = {
  passed: { label: "Passed", tone: "positive", mark: "✓" },
  failed: { label: "Failed", tone: "critical", mark: "✗" },
  skipped: { label: "Skipped", tone: "neutral", mark: "–" },
};

/** The access engine's decision for a learner and a course, with every check it made, in order. */
export function AccessTrace({ inspection }: { inspection: Inspection }) {
  const { decision } = inspection;
  return (
    <div className="access-trace">
      <div className="trace-decision" data-allowed={decision.allowed ? "" : undefined}>
        <p className="trace-verdict">
          <StatusBadge tone={decision.allowed ? "positive" : "critical"}>
            {decision.allowed ? "Access allowed" : "Access denied"}
          </StatusBadge>{" "}
          <span>{decision.reason}</span>
        </p>
        {decision.allowed && decision.until ? (
          <p className="meta">
            Until <DateText value={decision.until} />
          </p>
        ) : null}
      </div>
      <h3 className="trace-heading">Checks, in the order the engine made them</h3>
      <ol className="trace-steps">
        {decision.trace.map((step, index) => {
          const outcome = outcomeWords[step.outcome];
          return (
            // The same check can appear more than once (a lesson's and its module's prerequisites).
            <li key={`${step.check}-${index}-${step.detail}`} className="trace-step" data-outcome={step.outcome}>
              <span className="trace-mark" aria-hidden="true">
                {outcome.mark}
              </span>
              <span className="trace-check">{checkWords[step.check] ?? step.check}</span>
              <StatusBadge tone={outcome.tone}>{outcome.label}</StatusBadge>
              <span className="trace-detail">{step.detail}</span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}

export function AccessTraceDialog({ enrolment, onClose }: { enrolment: AccessQuestion; onClose: () => void }) {
  const trpc = useTRPC();
  const inspection = useQuery(
    trpc.access.inspect.queryOptions({ userId: enrolment.userId, courseId: enrolment.course.id }, { staleTime: 0 }),
  );
  return (
    <ModalDialog
      title={`Why ${enrolment.learner.displayName} can or cannot open ${enrolment.course.title}`}
      onClose={onClose}
    >
      <p className="meta">
        The decision LearnOps makes now, as the learner would get it. Looking is recorded in the audit log.
      </p>
      {inspection.isPending ? (
        <LoadingState label="Asking the access engine…" />
      ) : inspection.isError ? (
        <ErrorState
          title="The access trace could not be loaded"
          error={inspection.error}
          onRetry={() => void inspection.refetch()}
        />
      ) : (
        <AccessTrace inspection={inspection.data} />
      )}
      <div className="dialog-actions">
        <Button onPress={onClose} autoFocus>
          Close
        </Button>
      </div>
    </ModalDialog>
  );
}
