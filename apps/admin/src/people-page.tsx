import type { SessionView } from "@learnops/contracts/me";
import { LoadingState, PageHeader, useDocumentTitle } from "@learnops/ui/components";
import { lazy, Suspense } from "react";

// The section's own chunk (with its dialogs and selects): the Operations page never loads it.
const PeopleView = lazy(() => import("./people-view.tsx"));

/** People: who belongs to the institution, in which roles, and what an admin or support agent can do for them. */
export function PeoplePage({ session }: { session: SessionView }) {
  useDocumentTitle("People · LearnOps Admin");
  const readOnly = !session.permissions.some((permission) =>
    ["users.manage", "memberships.manage", "accounts.suspend", "accounts.unlock", "sessions.act_as"].includes(
      permission,
    ),
  );
  return (
    <>
      <PageHeader
        title="People"
        lead={
          readOnly
            ? "The people of your client group and their roles. To change anything, ask an admin of your institution."
            : "Everyone with a role in your institution: add people, change their roles, and help them sign in."
        }
      />
      <Suspense fallback={<LoadingState label="Loading people…" />}>
        <PeopleView session={session} />
      </Suspense>
    </>
  );
}
