import type { InstitutionDirectoryEntry } from "@learnops/contracts/institutions";
import { useTRPC } from "@learnops/ui/api-provider";
import { contrastRatio, textColourOn } from "@learnops/ui/branding";
import {
  BrandSwatch,
  Card,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
} from "@learnops/ui/components";
import { useQuery } from "@tanstack/react-query";

const columns: readonly DataTableColumn<InstitutionDirectoryEntry>[] = [
  { key: "name", header: "Institution", cell: (institution) => institution.displayName },
  {
    key: "slug",
    header: "Learner page",
    // The learner portal is served beside this console at /learn/ (apps/api/src/web-apps.ts).
    cell: (institution) => <a href={`/learn/${institution.slug}`}>/learn/{institution.slug}</a>,
  },
  {
    key: "colour",
    header: "Brand colour",
    cell: (institution) => (
      <span className="colour-cell">
        <BrandSwatch colour={institution.primaryColour} />
        <code>{institution.primaryColour}</code>
      </span>
    ),
  },
  {
    key: "contrast",
    header: "Text on brand",
    align: "end",
    cell: (institution) => {
      const text = textColourOn(institution.primaryColour);
      const ratio = contrastRatio(institution.primaryColour, text);
      return `${text === "#ffffff" ? "White" : "Black"}, ${ratio.toFixed(1)}:1`;
    },
  },
];

export function InstitutionsCard() {
  const trpc = useTRPC();
  const directory = useQuery(trpc.institutions.directory.queryOptions());
  return (
    <Card title="Institutions">
      {directory.isPending ? (
        <LoadingState label="Loading institutions…" />
      ) : directory.isError ? (
        <ErrorState
          title="Institutions could not be loaded"
          error={directory.error}
          onRetry={() => void directory.refetch()}
        />
      ) : directory.data.length === 0 ? (
        <EmptyState title="No institutions yet">
          Institutions appear here once they are added; the demo data adds three.
        </EmptyState>
      ) : (
        <DataTable
          caption={`${directory.data.length} ${directory.data.length === 1 ? "institution" : "institutions"}, by name`}
          columns={columns}
          rows={directory.data}
          rowKey={(institution) => institution.slug}
        />
      )}
    </Card>
  );
}
