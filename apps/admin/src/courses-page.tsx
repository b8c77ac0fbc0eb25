import type { SessionView } from "@learnops/contracts/me";
import { LoadingState } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk (the list, the structure editor and the cohorts): other sections never load it.
const CoursesView = lazy(() => import("./courses-view.tsx"));

/** Courses: the institution's catalogue, each course's modules and lessons, and its cohorts. */
export function CoursesPage({ session }: { session: SessionView }) {
  return (
    <Suspense fallback={<LoadingState label="Loading courses…" />}>
      <CoursesView key={session.activeMembership?.institution.id ?? "none"} session={session} />
    </Suspense>
  );
}
