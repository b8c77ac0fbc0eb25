import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: other sections never load it.
const LearnerSearchView = lazy(() => import("./learner-search-view.tsx"));

/** Support search: the learner someone asks about, their enrolments, and why they can or cannot get in. */
export function LearnerSearchPage({ session }: { session: SessionView }) {
  useDocumentTitle("Find a learner · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Find a learner"
        lead="Look someone up by email address or name to see their enrolments and why a course opens for them or not."
      />
      <Suspense fallback={<LoadingState label="Loading the search…" />}>
        <LearnerSearchView key={session.activeMembership?.institution.id ?? "none"} session={session} />
      </Suspense>
    </>
  );
}
