import type { InstitutionDirectoryEntry } from "@learnops/contracts/institutions";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  BrandSwatch,
  EmptyState,
  ErrorState,
  LoadingState,
  PageHeader,
  StatusMessage,
  useDocumentTitle,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import type { SessionNotice } from "@learnops/ui/session";
import { useQuery } from "@tanstack/react-query";
import { LearnerShell } from "./learner-shell.tsx";
import { institutionHref } from "./routes.ts";

/** The learner's first step: pick the institution they learn with, whose page is where they sign in. */
export function DirectoryPage({ notice }: { notice: SessionNotice | null }) {
  const trpc = useTRPC();
  const directory = useQuery(trpc.institutions.directory.queryOptions());
  useDocumentTitle("Find your institution · LearnOps");

  return (
    <LearnerShell>
      <PageHeader
        title="Find your institution"
        lead="Choose the school, college or training provider you learn with to sign in and continue your courses."
      />
      {notice ? <StatusMessage tone={notice.tone}>{notice.message}</StatusMessage> : null}
      {directory.isPending ? (
        <LoadingState label="Loading institutions…" />
      ) : directory.isError ? (
        <ErrorState
          title="The list of institutions could not be loaded"
          error={directory.error}
          onRetry={() => void directory.refetch()}
        />
      ) : (
        <InstitutionList institutions={directory.data} />
      )}
    </LearnerShell>
  );
}

function InstitutionList({ institutions }: { institutions: readonly InstitutionDirectoryEntry[] }) {
  if (institutions.length === 0) {
    return (
      <EmptyState title="No institutions are listed yet">
        If your training provider sent you a link to LearnOps, open it to reach their page.
      </EmptyState>
    );
  }
  return (
    <ul className="institution-list">
      {institutions.map((institution) => (
        <li key={institution.slug} className="institution-card">
          <BrandSwatch colour={institution.primaryColour} />
          <h2 className="institution-card-name">
            <AppLink href={institutionHref(institution.slug)}>{institution.displayName}</AppLink>
          </h2>
          <span className="institution-card-go" aria-hidden="true">
            ›
          </span>
        </li>
      ))}
    </ul>
  );
}
