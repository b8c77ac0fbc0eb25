import type { SessionView } from "@learnops/contracts/me";
import { LoadingState } from "@learnops/ui/components";
import { Redirect } from "@learnops/ui/navigation";
import { AccountBar, ActingAsBanner, ChangePasswordPage, SessionsPage } from "@learnops/ui/session";
import { lazy, type ReactNode, Suspense, useState } from "react";
import { LearnerShell } from "./learner-shell.tsx";
import { MyCoursesPage } from "./my-courses-page.tsx";
import { myCoursesHref, passwordHref, sessionsHref } from "./routes.ts";

// The catalogue, a course and a lesson: each its own chunk, fetched when it is first opened. "My courses" is
// the page a learner lands on, so it comes with the app.
const CataloguePage = lazy(() => import("./catalogue-page.tsx"));
const CoursePage = lazy(() => import("./course-page.tsx"));
const LessonPage = lazy(() => import("./lesson-page.tsx"));

export type SignedInRoute =
  | { page: "home" }
  | { page: "sessions" }
  | { page: "password" }
  | { page: "catalogue" }
  | { page: "course"; courseId: string }
  | { page: "lesson"; courseId: string; lessonId: string };

/** The signed-in learner's pages, under one header themed by the institution of the active membership. */
export function SignedInPage({ session, route }: { session: SessionView; route: SignedInRoute }) {
  return (
    <LearnerShell
      institution={session.activeMembership?.institution}
      banner={<ActingAsBanner session={session} />}
      account={<AccountBar session={session} sessionsHref={sessionsHref} passwordHref={passwordHref} />}
    >
      <Page session={session} route={route} />
    </LearnerShell>
  );
}

function Page({ session, route }: { session: SessionView; route: SignedInRoute }) {
  switch (route.page) {
    case "sessions":
      return <SessionsPage />;
    case "password":
      return <ChangePasswordPage />;
    case "home":
      return <MyCoursesPage institutionName={session.activeMembership?.institution.displayName ?? null} />;
  }
  // The key starts each page afresh, and keys the Suspense boundary too, so that a page still loading never
  // keeps the one left (hidden, but with its heading) on the page, where the focus that follows navigation
  // would look for the new heading.
  const key =
    route.page === "catalogue"
      ? "catalogue"
      : route.page === "course"
        ? route.courseId
        : `${route.courseId}/${route.lessonId}`;
  return (
    <Suspense key={key} fallback={<LoadingState label="Loading…" />}>
      {route.page === "catalogue" ? (
        <CataloguePage />
      ) : (
        <InOneInstitution membershipId={session.activeMembership?.id ?? null}>
          {route.page === "course" ? (
            <CoursePage courseId={route.courseId} />
          ) : (
            <LessonPage courseId={route.courseId} lessonId={route.lessonId} />
          )}
        </InOneInstitution>
      )}
    </Suspense>
  );
}

/**
 * A course belongs to one institution: when the learner switches to another membership on its page, they go
 * to their courses there instead of being told the course was not found.
 */
function InOneInstitution({ membershipId, children }: { membershipId: string | null; children: ReactNode }) {
  const [openedIn] = useState(membershipId);
  if (membershipId !== openedIn) return <Redirect to={myCoursesHref} />;
  return children;
}
