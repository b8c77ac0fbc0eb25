import type { SessionView } from "@learnops/contracts/me";
import { EmptyState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { AccountBar, ActingAsBanner, ChangePasswordPage, SessionsPage } from "@learnops/ui/session";
import { LearnerShell } from "./learner-shell.tsx";
import { passwordHref, sessionsHref } from "./routes.ts";

/** The signed-in learner's pages, under one header themed by the institution of the active membership. */
export function SignedInPage({ session, page }: { session: SessionView; page: "home" | "sessions" | "password" }) {
  return (
    <LearnerShell
      institution={session.activeMembership?.institution}
      banner={<ActingAsBanner session={session} />}
      account={<AccountBar session={session} sessionsHref={sessionsHref} passwordHref={passwordHref} />}
    >
      {page === "sessions" ? (
        <SessionsPage />
      ) : page === "password" ? (
        <ChangePasswordPage />
      ) : (
        <YourLearning session={session} />
      )}
    </LearnerShell>
  );
}

function YourLearning({ session }: { session: SessionView }) {
  const institution = session.activeMembership?.institution.displayName;
  useDocumentTitle("Your learning · LearnOps");
  return (
    <>
      <PageHeader
        title="Your learning"
        lead={
          institution
            ? `Your courses with ${institution}, and where you left off.`
            : "Your courses, and where you left off."
        }
      />
      <EmptyState title="No courses here yet">
        Courses arrive with the course catalogue. Once {institution ?? "your institution"} opens a course to you, it
        appears here with your progress and your next step.
      </EmptyState>
    </>
  );
}
