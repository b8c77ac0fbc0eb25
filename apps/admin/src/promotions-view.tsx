import "./courses.css";
import type { AppRouter } from "@learnops/api/root";
import { createPromotionInput } from "@learnops/contracts/enrolment";
import type { SessionView } from "@learnops/contracts/me";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  Card,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  StatusBadge,
  StatusMessage,
} from "@learnops/ui/components";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import {
  CheckboxField,
  dayFromToday,
  dayToInstant,
  issuesByField,
  refusalsOf,
  TextAreaField,
  useFocusFirstProblem,
} from "./catalogue-fields.tsx";
import { useCourseOptions } from "./course-options.ts";
import { DateText, ModalDialog, plural, TextField } from "./settings-controls.tsx";

type Promotion = inferOutput<TRPCOptionsProxy<AppRouter>["promotions"]["list"]>[number];

const stateWords: Record<Promotion["state"], { label: string; tone: "positive" | "critical" | "neutral" }> = {
  active: { label: "Active", tone: "positive" },
  scheduled: { label: "Scheduled", tone: "neutral" },
  used_up: { label: "Used up", tone: "critical" },
  ended: { label: "Ended", tone: "neutral" },
};

/** Promotion codes: who may redeem what, how many times, until when; new codes and ending one now. */
export default function PromotionsView({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const promotions = useQuery(trpc.promotions.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [ending, setEnding] = useState<Promotion | null>(null);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);

  const columns: DataTableColumn<Promotion>[] = [
    {
      key: "code",
      header: "Code",
      cell: (row) => (
        <span className="course-cell">
          <span className="course-code promotion-code">{row.code}</span>
          {row.description ? <span className="meta status-reason">{row.description}</span> : null}
        </span>
      ),
    },
    { key: "courses", header: "Courses", cell: (row) => row.courses.map((course) => course.title).join(", ") },
    {
      key: "uses",
      header: "Uses",
      cell: (row) =>
        row.maxUses === null ? (
          `${row.uses}, no limit`
        ) : (
          <span className="places">
            <meter
              className="places-meter"
              min={0}
              max={row.maxUses}
              value={row.uses}
              aria-label={`Uses of ${row.code}`}
            />
            <span>
              {row.uses} of {row.maxUses}
            </span>
          </span>
        ),
    },
    {
      key: "valid",
      header: "Valid",
      cell: (row) => (
        <span className="nowrap">
          <DateText value={row.validFrom} /> – <DateText value={row.validUntil} />
        </span>
      ),
    },
    { key: "access", header: "Access", cell: (row) => plural(row.accessDays, "day", "days") },
    {
      key: "state",
      header: "State",
      cell: (row) => <StatusBadge tone={stateWords[row.state].tone}>{stateWords[row.state].label}</StatusBadge>,
    },
    {
      key: "actions",
      header: "Actions",
      cell: (row) =>
        row.state === "ended" ? null : (
          <Button className="button-small" onPress={() => setEnding(row)}>
            End now<span className="visually-hidden"> {row.code}</span>
          </Button>
        ),
    },
  ];

  return (
    <>
      <div className="section-toolbar">
        <p className="meta">Learners type a code at checkout to open its courses for its days of access, free.</p>
        <Button variant="primary" onPress={() => setCreating(true)}>
          New promotion
        </Button>
      </div>
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      <Card title="Promotion codes">
        {promotions.isPending ? (
          <LoadingState label="Loading promotions…" />
        ) : promotions.isError ? (
          <ErrorState
            title="Promotions could not be loaded"
            error={promotions.error}
            onRetry={() => void promotions.refetch()}
          />
        ) : promotions.data.length === 0 ? (
          <EmptyState title="No promotion codes yet">Create one with “New promotion” for a campaign.</EmptyState>
        ) : (
          <DataTable
            caption={`${plural(promotions.data.length, "promotion", "promotions")}, latest ending first`}
            columns={columns}
            rows={promotions.data}
            rowKey={(row) => row.id}
          />
        )}
      </Card>
      {creating ? (
        <CreatePromotionDialog
          session={session}
          onClose={() => setCreating(false)}
          onCreated={(code) => {
            setCreating(false);
            setOutcome(`Created the promotion ${code}.`);
          }}
        />
      ) : null}
      {ending ? (
        <EndPromotionDialog
          promotion={ending}
          onClose={() => setEnding(null)}
          onEnded={() => {
            setEnding(null);
            setOutcome(`${ending.code} has ended: nobody can redeem it from now on.`);
          }}
          returnFocusTo={() => outcomeRef.current}
        />
      ) : null}
    </>
  );
}

type PromotionField = "code" | "description" | "maxUses" | "validFrom" | "validUntil" | "accessDays" | "courseIds";

function CreatePromotionDialog({
  session,
  onClose,
  onCreated,
}: {
  session: SessionView;
  onClose: () => void;
  onCreated: (code: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const courses = useCourseOptions(session).options.filter((course) => course.status === "published");
  const [values, setValues] = useState({
    code: "",
    description: "",
    maxUses: "",
    validFrom: dayFromToday(0),
    validUntil: dayFromToday(30),
    accessDays: "90",
  });
  const [courseIds, setCourseIds] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<Partial<Record<PromotionField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const coursesId = useId();
  const create = useMutation(trpc.promotions.create.mutationOptions());
  const set = (field: keyof typeof values) => (value: string) =>
    setValues((current) => ({ ...current, [field]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    const parsed = createPromotionInput.safeParse({
      code: values.code,
      description: values.description,
      maxUses: values.maxUses.trim() ? Number(values.maxUses) : null,
      // A promotion starts at the start of its first day (now, if that is today) and ends at the end of its last.
      validFrom:
        values.validFrom === dayFromToday(0) ? new Date().toISOString() : (dayToInstant(values.validFrom) ?? ""),
      validUntil: dayToInstant(values.validUntil, "23:59") ?? "",
      accessDays: Number(values.accessDays),
      courseIds: [...courseIds],
    });
    setGeneral(null);
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      const found: Partial<Record<PromotionField, string>> = {};
      for (const field of ["code", "description", "validUntil", "courseIds"] as const)
        if (issues[field]) found[field] = issues[field];
      if (issues.validFrom) found.validFrom = "Enter the first day it can be redeemed";
      if (issues.validUntil && !found.validUntil) found.validUntil = "Enter the last day it can be redeemed";
      if (issues.maxUses) found.maxUses = "Enter a whole number of uses, or leave it empty for no limit";
      if (issues.accessDays) found.accessDays = "Enter a whole number of days from 1 to 3650";
      setProblems(found);
      refused();
      return;
    }
    setProblems({});
    create.mutate(parsed.data, {
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.promotions.list.pathKey() });
        onCreated(parsed.data.code);
      },
      onError: (error) => {
        const { fields, general: other } = refusalsOf(error);
        if (error.data?.code === "CONFLICT") fields.code = error.message;
        setProblems(fields as Partial<Record<PromotionField, string>>);
        setGeneral(Object.keys(fields).length ? null : other);
        refused();
      },
    });
  }

  return (
    <ModalDialog title="New promotion" onClose={onClose} busy={create.isPending}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {general ? <ErrorState title="The promotion was not created" error={general} /> : null}
        <TextField
          label="Code"
          hint="Letters, digits and hyphens, like SPRING-2027. Learners type it in any case."
          value={values.code}
          onChange={set("code")}
          error={problems.code}
          autoFocus
          autoComplete="off"
          spellCheck={false}
          maxLength={40}
        />
        <TextAreaField
          label="Description (optional)"
          value={values.description}
          onChange={set("description")}
          error={problems.description}
          maxLength={500}
          rows={2}
        />
        <div className="field-row">
          <TextField
            label="From"
            type="date"
            value={values.validFrom}
            onChange={set("validFrom")}
            error={problems.validFrom}
          />
          <TextField
            label="Until (included)"
            type="date"
            value={values.validUntil}
            onChange={set("validUntil")}
            error={problems.validUntil}
          />
        </div>
        <div className="field-row">
          <TextField
            label="Days of access"
            value={values.accessDays}
            onChange={set("accessDays")}
            error={problems.accessDays}
            inputMode="numeric"
            autoComplete="off"
          />
          <TextField
            label="Uses (optional)"
            hint="Empty for no limit."
            value={values.maxUses}
            onChange={set("maxUses")}
            error={problems.maxUses}
            inputMode="numeric"
            autoComplete="off"
          />
        </div>
        <fieldset className="choice-group" aria-describedby={problems.courseIds ? `${coursesId}-error` : undefined}>
          <legend>Courses it opens</legend>
          {problems.courseIds ? (
            <p id={`${coursesId}-error`} className="field-error">
              <span className="visually-hidden">Error: </span>
              {problems.courseIds}
            </p>
          ) : null}
          {courses.map((course) => (
            <CheckboxField
              key={course.id}
              label={course.title}
              checked={courseIds.has(course.id)}
              onChange={(on) =>
                setCourseIds((current) => {
                  const next = new Set(current);
                  if (on) next.add(course.id);
                  else next.delete(course.id);
                  return next;
                })
              }
            />
          ))}
        </fieldset>
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={create.isPending}>
            Create promotion
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

function EndPromotionDialog({
  promotion,
  onClose,
  onEnded,
  returnFocusTo,
}: {
  promotion: Promotion;
  onClose: () => void;
  onEnded: () => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const end = useMutation(
    trpc.promotions.deactivate.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.promotions.list.pathKey() });
        onEnded();
      },
    }),
  );
  return (
    <ModalDialog
      role="alertdialog"
      title={`End ${promotion.code} now?`}
      onClose={onClose}
      busy={end.isPending}
      returnFocusTo={returnFocusTo}
    >
      <p>
        Nobody can redeem it from now on. The {plural(promotion.uses, "learner", "learners")} who redeemed it keep their
        access.
      </p>
      {end.isError ? <ErrorState title="The promotion was not ended" error={end.error} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={end.isPending} autoFocus>
          Keep it
        </Button>
        <Button variant="danger" isPending={end.isPending} onPress={() => end.mutate({ promotionId: promotion.id })}>
          End promotion
        </Button>
      </div>
    </ModalDialog>
  );
}
