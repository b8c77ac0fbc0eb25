import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: other sections never load it.
const ProgressView = lazy(() => import("./progress-view.tsx"));

/** Progress reports: learners who have not finished or have stopped, deadlines missed, cohorts' completion. */
export function ProgressPage({ session }: { session: SessionView }) {
  useDocumentTitle("Progress · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Progress"
        lead="Who has not finished, who has stopped, which deadlines were missed, and how each cohort is doing."
      />
      <Suspense fallback={<LoadingState label="Loading the reports…" />}>
        <ProgressView key={session.activeMembership?.institution.id ?? "none"} session={session} />
      </Suspense>
    </>
  );
}
