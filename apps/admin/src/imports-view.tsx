import "./courses.css";
import type { AppRouter } from "@learnops/api/root";
import { maxUploadBytes } from "@learnops/contracts/enrolment";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC, useTRPCClient } from "@learnops/ui/api-provider";
import {
  Button,
  Card,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  StatusBadge,
} from "@learnops/ui/components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { SelectField } from "./catalogue-fields.tsx";
import { DateTimeText, plural } from "./settings-controls.tsx";

type DryRun = inferOutput<TRPCOptionsProxy<AppRouter>["imports"]["upload"]>;
type Upload = inferOutput<TRPCOptionsProxy<AppRouter>["imports"]["list"]>[number];

const statusWords: Record<Upload["status"], { label: string; tone: "positive" | "critical" | "neutral" }> = {
  validated: { label: "Checked, not applied", tone: "neutral" },
  queued: { label: "Queued", tone: "neutral" },
  running: { label: "Enrolling", tone: "neutral" },
  completed: { label: "Completed", tone: "positive" },
  failed: { label: "Failed", tone: "critical" },
};

/** A refusal of the upload route, in the shape tRPC's errors have; `field` when it names one ("file: …"). */
class UploadRefusal extends Error {
  readonly field: string | null;
  constructor(message: string, field: string | null) {
    super(message);
    this.field = field;
  }
}

interface RefusalBody {
  error?: { message?: string; data?: { fieldIssues?: { path: string; message: string }[] | null } };
}

async function sendUpload(file: File, kind: "enrolments" | "client_roster", clientGroupId: string): Promise<DryRun> {
  const query = new URLSearchParams({ fileName: file.name, kind });
  if (kind === "client_roster" && clientGroupId) query.set("clientGroupId", clientGroupId);
  let response: Response;
  try {
    response = await fetch(`/imports/enrolments?${query}`, {
      method: "POST",
      body: file,
      headers: { "content-type": "text/csv" },
      credentials: "same-origin",
    });
  } catch {
    throw new UploadRefusal("LearnOps could not be reached. Check your connection and try again.", null);
  }
  const answer: unknown = await response.json().catch(() => null);
  if (response.ok && answer) return answer as DryRun;
  const error = (answer as RefusalBody | null)?.error;
  const issue = error?.data?.fieldIssues?.[0];
  if (issue) throw new UploadRefusal(issue.message, issue.path);
  const message = error?.message ?? `The upload was refused (${response.status}).`;
  const named = /^(\w+): (.+)$/.exec(message);
  if (named?.[1] && named[2]) throw new UploadRefusal(named[2].charAt(0).toUpperCase() + named[2].slice(1), named[1]);
  throw new UploadRefusal(message, null);
}

/** Bulk enrolment: upload a CSV, read the dry run, apply it, and watch the worker's progress. */
export default function ImportsView({ session }: { session: SessionView }) {
  const [dryRun, setDryRun] = useState<DryRun | null>(null);
  const [applying, setApplying] = useState<string | null>(null);
  return (
    <>
      {applying ? (
        <ProgressCard importId={applying} onAgain={() => setApplying(null)} />
      ) : dryRun ? (
        <DryRunCard
          dryRun={dryRun}
          onBack={() => setDryRun(null)}
          onStarted={(id) => {
            setDryRun(null);
            setApplying(id);
          }}
        />
      ) : (
        <UploadCard session={session} onChecked={setDryRun} />
      )}
      <UploadsCard onOpen={setApplying} />
    </>
  );
}

function UploadCard({ session, onChecked }: { session: SessionView; onChecked: (dryRun: DryRun) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const groups = useQuery({
    ...trpc.clientGroups.list.queryOptions(),
    enabled: session.permissions.includes("client_groups.read"),
  });
  const [kind, setKind] = useState<"enrolments" | "client_roster">("enrolments");
  const [groupId, setGroupId] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const fileId = useId();
  const kindName = useId();
  const upload = useMutation({
    mutationFn: (args: { file: File; kind: typeof kind; groupId: string }) =>
      sendUpload(args.file, args.kind, args.groupId),
  });
  const chosenGroup = groupId || groups.data?.[0]?.id || "";

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (upload.isPending) return;
    if (!file) {
      setProblem("Choose the CSV file to upload");
      document.getElementById(fileId)?.focus();
      return;
    }
    if (file.size > maxUploadBytes) {
      setProblem(`The file is ${Math.ceil(file.size / 1048576)} MB; an upload has at most 10 MB. Split it.`);
      document.getElementById(fileId)?.focus();
      return;
    }
    setProblem(null);
    upload.mutate(
      { file, kind, groupId: chosenGroup },
      {
        onSuccess: (dryRun) => {
          // The checked upload is one of the recent uploads from now on.
          void queryClient.invalidateQueries({ queryKey: trpc.imports.list.pathKey() });
          onChecked(dryRun);
        },
        onError: (error) => {
          if (error instanceof UploadRefusal && error.field === "file") {
            setProblem(error.message);
            document.getElementById(fileId)?.focus();
          }
        },
      },
    );
  }

  const general = upload.isError && !(upload.error instanceof UploadRefusal && upload.error.field === "file");
  return (
    <Card
      title="Upload a CSV"
      description="Nothing is enrolled yet: LearnOps checks every row first and tells you what it would do."
    >
      <form className="form import-form" noValidate onSubmit={submit}>
        {general ? <ErrorState title="The file was not checked" error={upload.error} /> : null}
        <fieldset className="choice-group">
          <legend>What the file holds</legend>
          <label className="radio-field">
            <input
              type="radio"
              name={kindName}
              checked={kind === "enrolments"}
              onChange={() => setKind("enrolments")}
            />
            Enrolments: one learner and course a row
          </label>
          <label className="radio-field">
            <input
              type="radio"
              name={kindName}
              checked={kind === "client_roster"}
              onChange={() => setKind("client_roster")}
            />
            A client group’s roster, enrolled under its contract
          </label>
        </fieldset>
        {kind === "client_roster" ? (
          <SelectField
            label="Client group"
            value={chosenGroup}
            onChange={setGroupId}
            options={(groups.data ?? []).map((group) => ({ value: group.id, label: group.name }))}
          />
        ) : null}
        <div className="field" data-invalid={problem ? "" : undefined}>
          <label htmlFor={fileId}>CSV file</label>
          <p id={`${fileId}-hint`} className="field-hint">
            First line: the column names. <code>email</code> and <code>course</code> (the course’s code) are needed;{" "}
            <code>name</code>, <code>cohort</code> and <code>expires_on</code> (YYYY-MM-DD) are optional. At most 10 MB
            and 50,000 rows.
          </p>
          {problem ? (
            <p id={`${fileId}-error`} className="field-error">
              <span className="visually-hidden">Error: </span>
              {problem}
            </p>
          ) : null}
          <input
            id={fileId}
            type="file"
            accept=".csv,text/csv"
            className="input file-input"
            aria-describedby={[`${fileId}-hint`, problem ? `${fileId}-error` : null].filter(Boolean).join(" ")}
            aria-invalid={problem ? true : undefined}
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setProblem(null);
            }}
          />
        </div>
        <div className="form-actions">
          <Button type="submit" variant="primary" isPending={upload.isPending}>
            Check the file
          </Button>
        </div>
        {upload.isPending ? <LoadingState label={`Checking ${file?.name ?? "the file"}, row by row…`} /> : null}
      </form>
    </Card>
  );
}

function DryRunCard({
  dryRun,
  onBack,
  onStarted,
}: {
  dryRun: DryRun;
  onBack: () => void;
  onStarted: (importId: string) => void;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const headingRef = useRef<HTMLDivElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  const start = useMutation(
    trpc.imports.start.mutationOptions({
      onSuccess: async (started) => {
        await queryClient.invalidateQueries({ queryKey: trpc.imports.list.pathKey() });
        onStarted(started.id);
      },
    }),
  );
  const download = useMutation({
    mutationFn: async () => {
      const { fileName, csv } = await client.imports.rejectionsCsv.query({ importId: dryRun.id });
      const url = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = fileName;
      link.click();
      URL.revokeObjectURL(url);
    },
  });
  const willCreate = Math.max(0, dryRun.validRows - dryRun.alreadyEnrolled);
  const columns: DataTableColumn<DryRun["rejections"][number]>[] = [
    { key: "line", header: "Line", align: "end", cell: (row) => row.line },
    {
      key: "values",
      header: "Row",
      cell: (row) => <span className="course-code">{Object.values(row.values).join(", ")}</span>,
    },
    { key: "reasons", header: "Why it was rejected", cell: (row) => row.reasons.join("; ") },
  ];
  return (
    <Card title={`What “${dryRun.fileName}” would do`}>
      <div ref={headingRef} tabIndex={-1} className="dry-run-summary" role="status">
        <dl className="details-list">
          <div>
            <dt>Rows</dt>
            <dd>{dryRun.totalRows.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Would enrol</dt>
            <dd>{willCreate.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Enrolled already</dt>
            <dd>{dryRun.alreadyEnrolled.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Rejected</dt>
            <dd>{dryRun.rejectedRows.toLocaleString()}</dd>
          </div>
        </dl>
      </div>
      {dryRun.uploadedBefore ? (
        <p className="inline-refusal">
          <strong>This file was applied before</strong>, on <DateTimeText value={dryRun.uploadedBefore} />. Applying it
          again creates nothing new.
        </p>
      ) : null}
      {dryRun.rejections.length > 0 ? (
        <>
          <DataTable
            caption={
              dryRun.rejectedRows > dryRun.rejections.length
                ? `The first ${dryRun.rejections.length} of ${plural(dryRun.rejectedRows, "rejected row", "rejected rows")}`
                : plural(dryRun.rejectedRows, "rejected row", "rejected rows")
            }
            columns={columns}
            rows={dryRun.rejections}
            rowKey={(row) => String(row.line)}
          />
          <p>
            <Button onPress={() => download.mutate()} isPending={download.isPending}>
              Download the rejected rows
            </Button>{" "}
            <span className="meta">with their reasons, to fix and upload again.</span>
          </p>
        </>
      ) : null}
      {start.isError ? <ErrorState title="The upload was not applied" error={start.error} /> : null}
      <div className="row-actions">
        {dryRun.validRows > 0 ? (
          <Button variant="primary" isPending={start.isPending} onPress={() => start.mutate({ importId: dryRun.id })}>
            {`Apply: enrol ${plural(willCreate, "learner", "learners")}`}
          </Button>
        ) : null}
        <Button onPress={onBack}>Upload another file</Button>
      </div>
    </Card>
  );
}

function ProgressCard({ importId, onAgain }: { importId: string; onAgain: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const upload = useQuery(
    trpc.imports.byId.queryOptions(
      { importId },
      {
        // Asked again each second while the worker is at it.
        refetchInterval: (query) => {
          const status = query.state.data?.status;
          return status === "completed" || status === "failed" ? false : 1000;
        },
      },
    ),
  );
  const finished = upload.data?.status === "completed" || upload.data?.status === "failed";
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: trpc.imports.list.pathKey() });
  }, [finished, queryClient, trpc]);
  const progressId = useId();
  if (upload.isPending) return <LoadingState label="Loading the upload…" />;
  if (upload.isError) return <ErrorState title="The upload’s progress could not be loaded" error={upload.error} />;
  const data = upload.data;
  return (
    <Card title={`Enrolling from “${data.fileName}”`}>
      <div className="import-progress">
        <label htmlFor={progressId}>
          {data.status === "completed"
            ? "Done"
            : data.status === "failed"
              ? "Stopped"
              : `${data.processedRows.toLocaleString()} of ${data.validRows.toLocaleString()} rows`}
        </label>
        <progress id={progressId} max={100} value={data.percentDone}>
          {data.percentDone}%
        </progress>
        <span className="meta">{data.percentDone}%</span>
      </div>
      <div role="status" className="meta">
        {data.status === "completed"
          ? `${plural(data.createdRows, "learner", "learners")} enrolled; ${plural(data.unchangedRows, "row", "rows")} named someone enrolled already.`
          : data.status === "failed"
            ? `The worker stopped: ${data.error ?? "see the platform’s log"}. Rows enrolled so far stay enrolled.`
            : ""}
      </div>
      {finished ? (
        <div className="row-actions">
          <Button onPress={onAgain}>Upload another file</Button>
        </div>
      ) : null}
    </Card>
  );
}

function UploadsCard({ onOpen }: { onOpen: (importId: string) => void }) {
  const trpc = useTRPC();
  const uploads = useQuery(trpc.imports.list.queryOptions());
  const columns: DataTableColumn<Upload>[] = [
    {
      key: "file",
      header: "File",
      cell: (row) => (
        <span className="course-cell">
          <span>{row.fileName}</span>
          <span className="meta">{row.kind === "client_roster" ? "Client roster" : "Enrolments"}</span>
        </span>
      ),
    },
    { key: "when", header: "Uploaded", cell: (row) => <DateTimeText value={row.createdAt} /> },
    {
      key: "status",
      header: "Status",
      cell: (row) => <StatusBadge tone={statusWords[row.status].tone}>{statusWords[row.status].label}</StatusBadge>,
    },
    { key: "rows", header: "Rows", align: "end", cell: (row) => row.totalRows.toLocaleString() },
    { key: "rejected", header: "Rejected", align: "end", cell: (row) => row.rejectedRows.toLocaleString() },
    { key: "created", header: "Enrolled", align: "end", cell: (row) => row.createdRows.toLocaleString() },
    {
      key: "actions",
      header: "Progress",
      cell: (row) =>
        row.status === "queued" || row.status === "running" ? (
          <Button className="button-small" onPress={() => onOpen(row.id)}>
            Follow<span className="visually-hidden"> {row.fileName}</span>
          </Button>
        ) : row.status === "completed" ? (
          "100%"
        ) : null,
    },
  ];
  return (
    <Card title="Recent uploads">
      {uploads.isPending ? (
        <LoadingState label="Loading uploads…" />
      ) : uploads.isError ? (
        <ErrorState title="Uploads could not be loaded" error={uploads.error} onRetry={() => void uploads.refetch()} />
      ) : uploads.data.length === 0 ? (
        <EmptyState title="No uploads yet">Upload a CSV above to enrol many learners at once.</EmptyState>
      ) : (
        <DataTable
          caption={`${plural(uploads.data.length, "upload", "uploads")}, newest first`}
          columns={columns}
          rows={uploads.data}
          rowKey={(row) => row.id}
        />
      )}
    </Card>
  );
}
