import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk (table, dialogs, access trace): other sections never load it.
const EnrolmentsView = lazy(() => import("./enrolments-view.tsx"));

/** Enrolments: who is enrolled in what, the changes staff make to them, and why a learner can or cannot get in. */
export function EnrolmentsPage({ session }: { session: SessionView }) {
  useDocumentTitle("Enrolments · LearnOps Admin");
  const manages = session.permissions.includes("enrolments.manage");
  const clientManager = session.activeMembership?.role === "client_manager";
  return (
    <>
      <PageHeader
        title="Enrolments"
        lead={
          clientManager
            ? "The enrolments of your client group’s people. To change one, ask the course admins."
            : manages
              ? "Who is enrolled in which course and cohort: grant, extend, move, suspend or cancel an enrolment, and see why a learner can or cannot get in."
              : "Who is enrolled in which course and cohort, and why a learner can or cannot get in."
        }
      />
      <Suspense fallback={<LoadingState label="Loading enrolments…" />}>
        <EnrolmentsView key={session.activeMembership?.institution.id ?? "none"} session={session} />
      </Suspense>
    </>
  );
}
