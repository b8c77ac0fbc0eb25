import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk: other sections never load it.
const ImportsView = lazy(() => import("./imports-view.tsx"));

/** Bulk enrolment from a CSV: a dry run first, then the worker enrols the rows, with progress. */
export function ImportsPage({ session }: { session: SessionView }) {
  useDocumentTitle("Bulk enrolment · LearnOps Admin");
  return (
    <>
      <PageHeader
        title="Bulk enrolment"
        lead="Enrol many learners at once from a CSV file: check it first, then apply it and follow its progress."
      />
      <Suspense fallback={<LoadingState label="Loading bulk enrolment…" />}>
        <ImportsView key={session.activeMembership?.institution.id ?? "none"} session={session} />
      </Suspense>
    </>
  );
}
