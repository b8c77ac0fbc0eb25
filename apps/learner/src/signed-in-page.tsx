import type { SessionView } from "@learnops/contracts/me";
import { LoadingState } from "@learnops/ui/components";
import { AccountBar, ActingAsBanner, ChangePasswordPage, SessionsPage } from "@learnops/ui/session";
import { lazy, Suspense } from "react";
import { LearnerShell } from "./learner-shell.tsx";
import { MyCoursesPage } from "./my-courses-page.tsx";
import { passwordHref, sessionsHref } from "./routes.ts";

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
  // A page of one membership is not another's, nor one course's another's: the key starts each afresh. It keys
  // the Suspense boundary too, so that a page still loading never keeps the one left (hidden, but with its
  // heading) on the page, where the focus that follows navigation would look for the new heading.
  const membership = session.activeMembership?.id ?? "none";
  const key =
    route.page === "catalogue"
      ? `${membership}/catalogue`
      : route.page === "course"
        ? `${membership}/${route.courseId}`
        : `${membership}/${route.courseId}/${route.lessonId}`;
  return (
    <Suspense key={key} fallback={<LoadingState label="Loading…" />}>
      {route.page === "catalogue" ? (
        <CataloguePage />
      ) : route.page === "course" ? (
        <CoursePage courseId={route.courseId} />
      ) : (
        <LessonPage courseId={route.courseId} lessonId={route.lessonId} />
      )}
    </Suspense>
  );
}
