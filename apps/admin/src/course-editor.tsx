import type { AppRouter } from "@learnops/api/root";
import {
  addLessonInput,
  type CourseStatus,
  type LessonKind,
  lessonKind,
  updateCourseInput,
} from "@learnops/contracts/catalogue";
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
  PageHeader,
  StatusMessage,
  useDocumentTitle,
} from "@learnops/ui/components";
import { AppLink } from "@learnops/ui/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { AddressLink, hrefWith } from "./address.tsx";
import {
  CheckboxField,
  issuesByField,
  minutesInWords,
  priceInWords,
  refusalsOf,
  SelectField,
  TextAreaField,
  useFocusFirstProblem,
} from "./catalogue-fields.tsx";
import { CohortsCard } from "./course-cohorts.tsx";
import { CourseStatusBadge } from "./courses-view.tsx";
import { basePath } from "./routes.ts";
import { ModalDialog, plural, TextField } from "./settings-controls.tsx";

export type CourseStructure = inferOutput<TRPCOptionsProxy<AppRouter>["courses"]["structure"]>;
export type CourseModule = CourseStructure["modules"][number];
export type CourseLesson = CourseModule["lessons"][number];

export const kindWords: Record<LessonKind, string> = {
  video: "Video",
  reading: "Reading",
  resource: "Resource",
  quiz: "Quiz",
  assignment: "Assignment",
  live_session: "Live session",
};

type Dialog =
  | { kind: "details" }
  | { kind: "rename-module"; module: CourseModule }
  | { kind: "remove-module"; module: CourseModule }
  | { kind: "module-prerequisites"; module: CourseModule }
  | { kind: "add-lesson"; module: CourseModule }
  | { kind: "edit-lesson"; lesson: CourseLesson }
  | { kind: "remove-lesson"; lesson: CourseLesson }
  | { kind: "lesson-prerequisites"; lesson: CourseLesson };

/** One course: its details and status, its modules and lessons in order, and its cohorts. */
export default function CourseEditor({ courseId, session }: { courseId: string; session: SessionView }) {
  const trpc = useTRPC();
  const structure = useQuery({
    ...trpc.courses.structure.queryOptions({ courseId }),
    // While the learners' progress is being recomputed in the background, look again until it is done.
    refetchInterval: (query) => (query.state.data?.progressRecomputing ? 5_000 : false),
  });
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [outcome, setOutcome] = useState("");
  const outcomeRef = useRef<HTMLDivElement>(null);
  useDocumentTitle(`${structure.data?.title ?? "Course"} · Courses · LearnOps Admin`);

  if (structure.isPending) return <LoadingState label="Loading the course…" />;
  if (structure.isError) {
    return (
      <>
        <PageHeader title="Course" />
        <ErrorState
          title="The course could not be loaded"
          error={structure.error}
          onRetry={() => void structure.refetch()}
        />
        <p>
          <AddressLink href={hrefWith({})}>All courses</AddressLink>
        </p>
      </>
    );
  }
  const course = structure.data;
  const done = (message: string) => {
    setDialog(null);
    setOutcome(message);
  };
  const focusOutcome = () => outcomeRef.current;

  return (
    <>
      <p className="back-link">
        <AddressLink href={hrefWith({})}>← All courses</AddressLink>
      </p>
      <PageHeader title={course.title} lead={course.summary || undefined} />
      <p className="course-links">
        <AppLink href={`${basePath}enrolments?course=${course.id}`}>Enrolments in {course.title}</AppLink>
      </p>
      <div ref={outcomeRef} tabIndex={-1} className="status-message-holder">
        <StatusMessage tone="positive">{outcome}</StatusMessage>
      </div>
      <StatusMessage>
        {course.progressRecomputing
          ? "Learners’ progress is being recomputed after the last change to this course: their percentages update learner by learner, in the background."
          : ""}
      </StatusMessage>
      <DetailsCard course={course} onEdit={() => setDialog({ kind: "details" })} onChanged={setOutcome} />
      <StructureCard course={course} open={setDialog} onChanged={setOutcome} />
      <CohortsCard course={course} session={session} />

      {dialog?.kind === "details" ? (
        <DetailsDialog
          course={course}
          onClose={() => setDialog(null)}
          onSaved={() => done("Saved the course’s details.")}
        />
      ) : null}
      {dialog?.kind === "rename-module" ? (
        <RenameModuleDialog
          module={dialog.module}
          onClose={() => setDialog(null)}
          onSaved={(title) => done(`Renamed the module to “${title}”.`)}
        />
      ) : null}
      {dialog?.kind === "remove-module" ? (
        <RemoveDialog
          what="module"
          title={dialog.module.title}
          id={dialog.module.id}
          detail={`Its ${plural(dialog.module.lessons.length, "lesson", "lessons")} go with it. A module in which learners have progress cannot be removed: archive the course instead.`}
          onClose={() => setDialog(null)}
          onRemoved={() => done(`Removed the module “${dialog.module.title}”.`)}
          returnFocusTo={focusOutcome}
        />
      ) : null}
      {dialog?.kind === "remove-lesson" ? (
        <RemoveDialog
          what="lesson"
          title={dialog.lesson.title}
          id={dialog.lesson.id}
          detail="A lesson in which learners have progress cannot be removed: mark it optional instead."
          onClose={() => setDialog(null)}
          onRemoved={() => done(`Removed the lesson “${dialog.lesson.title}”.`)}
          returnFocusTo={focusOutcome}
        />
      ) : null}
      {dialog?.kind === "add-lesson" ? (
        <LessonDialog
          module={dialog.module}
          onClose={() => setDialog(null)}
          onSaved={(title) => done(`Added the lesson “${title}” to “${dialog.module.title}”.`)}
        />
      ) : null}
      {dialog?.kind === "edit-lesson" ? (
        <LessonDialog
          lesson={dialog.lesson}
          onClose={() => setDialog(null)}
          onSaved={(title) => done(`Saved the lesson “${title}”.`)}
        />
      ) : null}
      {dialog?.kind === "lesson-prerequisites" ? (
        <PrerequisitesDialog
          course={course}
          of="lesson"
          target={dialog.lesson}
          onClose={() => setDialog(null)}
          onSaved={(count) => done(`“${dialog.lesson.title}” now waits on ${plural(count, "lesson", "lessons")}.`)}
        />
      ) : null}
      {dialog?.kind === "module-prerequisites" ? (
        <PrerequisitesDialog
          course={course}
          of="module"
          target={dialog.module}
          onClose={() => setDialog(null)}
          onSaved={(count) => done(`“${dialog.module.title}” now waits on ${plural(count, "module", "modules")}.`)}
        />
      ) : null}
    </>
  );
}

function useRefreshCourse() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.courses.structure.pathKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.courses.list.pathKey() }),
    ]);
  };
}

/**
 * Moves a module or a lesson one place up or down. Positions may have gaps or ties (after removals), so the
 * whole list is numbered again in its new order, one update each: lists are short.
 */
function useReorder() {
  const client = useTRPCClient();
  const refresh = useRefreshCourse();
  return useMutation({
    mutationFn: async ({
      of,
      ids,
      from,
      to,
    }: {
      of: "module" | "lesson";
      ids: readonly string[];
      from: number;
      to: number;
    }) => {
      const order = [...ids];
      const [moved] = order.splice(from, 1);
      if (!moved) return;
      order.splice(to, 0, moved);
      for (const [position, id] of order.entries()) {
        if (of === "module") await client.courses.updateModule.mutate({ moduleId: id, position });
        else await client.courses.updateLesson.mutate({ lessonId: id, position });
      }
    },
    onSettled: refresh,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Details and status
// ---------------------------------------------------------------------------------------------------------

const statusChanges: Record<CourseStatus, { to: CourseStatus; label: string; done: string }[]> = {
  draft: [
    { to: "published", label: "Publish", done: "Published: learners can find it in the catalogue." },
    { to: "archived", label: "Archive", done: "Archived: nobody can be enrolled in it." },
  ],
  published: [
    { to: "draft", label: "Return to draft", done: "Back to draft: it is no longer in the catalogue." },
    { to: "archived", label: "Archive", done: "Archived: nobody can be enrolled in it." },
  ],
  archived: [
    { to: "published", label: "Publish again", done: "Published: learners can find it in the catalogue." },
    { to: "draft", label: "Return to draft", done: "Back to draft: it is no longer in the catalogue." },
  ],
};

function DetailsCard({
  course,
  onEdit,
  onChanged,
}: {
  course: CourseStructure;
  onEdit: () => void;
  onChanged: (message: string) => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const update = useMutation(trpc.courses.update.mutationOptions());
  const refusalRef = useRef<HTMLDivElement>(null);
  const refusal = update.isError ? refusalsOf(update.error) : null;
  const refusalText = refusal ? (refusal.fields.status ?? null) : null;

  return (
    <Card title="Details">
      <dl className="details-list">
        <div>
          <dt>Status</dt>
          <dd>
            <CourseStatusBadge status={course.status} />
          </dd>
        </div>
        <div>
          <dt>Code</dt>
          <dd className="course-code">{course.code}</dd>
        </div>
        <div>
          <dt>Price</dt>
          <dd>{priceInWords(course.price)}</dd>
        </div>
        <div>
          <dt>Access</dt>
          <dd>{course.accessDays ? `${plural(course.accessDays, "day", "days")} from enrolment` : "No end"}</dd>
        </div>
        <div>
          <dt>Contents</dt>
          <dd>
            {plural(course.moduleCount, "module", "modules")}, {plural(course.lessonCount, "lesson", "lessons")}
          </dd>
        </div>
      </dl>
      {refusalText ? (
        <div ref={refusalRef} role="alert" tabIndex={-1} className="inline-refusal">
          <strong>Not changed:</strong> {refusalText}
        </div>
      ) : refusal?.general ? (
        <ErrorState title="The status was not changed" error={refusal.general} />
      ) : null}
      <div className="row-actions">
        <Button onPress={onEdit}>Edit details</Button>
        {statusChanges[course.status].map((change) => (
          <Button
            key={change.to}
            variant={change.to === "published" ? "primary" : "secondary"}
            isPending={update.isPending && update.variables?.status === change.to}
            onPress={() => {
              if (update.isPending) return;
              update.mutate(
                { courseId: course.id, status: change.to },
                {
                  onSuccess: async () => {
                    await refresh();
                    onChanged(change.done);
                  },
                  onError: () => setTimeout(() => refusalRef.current?.focus(), 0),
                },
              );
            }}
          >
            {change.label}
          </Button>
        ))}
      </div>
    </Card>
  );
}

type DetailsField = "title" | "summary" | "price" | "currency" | "accessDays";

function DetailsDialog({
  course,
  onClose,
  onSaved,
}: {
  course: CourseStructure;
  onClose: () => void;
  onSaved: () => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const [values, setValues] = useState({
    title: course.title,
    summary: course.summary,
    price: course.price ? String(course.price.cents / 100) : "",
    currency: course.price?.currency ?? "GBP",
    accessDays: course.accessDays ? String(course.accessDays) : "",
  });
  const [problems, setProblems] = useState<Partial<Record<DetailsField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const update = useMutation(trpc.courses.update.mutationOptions());
  const set = (field: DetailsField) => (value: string) => setValues((current) => ({ ...current, [field]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (update.isPending) return;
    const found: Partial<Record<DetailsField, string>> = {};
    let price: { cents: number; currency: string } | null = null;
    if (values.price.trim()) {
      const number = Number(values.price.trim().replace(",", "."));
      if (!Number.isFinite(number) || number < 0)
        found.price = "Enter a price such as 149 or 149.50, or leave it empty";
      else price = { cents: Math.round(number * 100), currency: values.currency };
    }
    const parsed = updateCourseInput.safeParse({
      courseId: course.id,
      title: values.title,
      summary: values.summary,
      price,
      accessDays: values.accessDays.trim() ? Number(values.accessDays) : null,
    });
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      if (issues.title) found.title = issues.title;
      if (issues.summary) found.summary = issues.summary;
      if (issues["price.currency"]) found.currency = issues["price.currency"];
      if (issues.accessDays) found.accessDays = "Enter a whole number of days from 1 to 3650, or leave it empty";
    }
    setProblems(found);
    setGeneral(null);
    if (!parsed.success || Object.keys(found).length) {
      refused();
      return;
    }
    update.mutate(parsed.data, {
      onSuccess: async () => {
        await refresh();
        onSaved();
      },
      onError: (error) => {
        const { fields, general: other } = refusalsOf(error);
        setProblems(fields as Partial<Record<DetailsField, string>>);
        setGeneral(other);
        refused();
      },
    });
  }

  return (
    <ModalDialog title={`Edit “${course.title}”`} onClose={onClose} busy={update.isPending}>
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {general ? <ErrorState title="The details were not saved" error={general} /> : null}
        <TextField
          label="Title"
          value={values.title}
          onChange={set("title")}
          error={problems.title}
          autoFocus
          maxLength={200}
        />
        <TextAreaField
          label="Summary"
          value={values.summary}
          onChange={set("summary")}
          error={problems.summary}
          maxLength={2000}
        />
        <div className="field-row">
          <TextField
            label="Price"
            hint="Empty for a free course."
            value={values.price}
            onChange={set("price")}
            error={problems.price}
            inputMode="decimal"
            autoComplete="off"
          />
          <SelectField
            label="Currency"
            value={values.currency}
            onChange={set("currency")}
            error={problems.currency}
            options={["GBP", "EUR", "USD", "CAD", "AUD"].map((code) => ({ value: code, label: code }))}
          />
        </div>
        <TextField
          label="Days of access"
          hint="How long a new enrolment lasts; empty for no end."
          value={values.accessDays}
          onChange={set("accessDays")}
          error={problems.accessDays}
          inputMode="numeric"
          autoComplete="off"
        />
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={update.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={update.isPending}>
            Save details
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Structure
// ---------------------------------------------------------------------------------------------------------

function StructureCard({
  course,
  open,
  onChanged,
}: {
  course: CourseStructure;
  open: (dialog: Dialog) => void;
  onChanged: (message: string) => void;
}) {
  const minutes = course.modules
    .flatMap((module) => module.lessons)
    .reduce((total, lesson) => total + (lesson.durationMinutes ?? 0), 0);
  const moduleTitles = new Map(course.modules.map((module) => [module.id, module.title]));
  const lessonTitles = new Map(
    course.modules.flatMap((module) => module.lessons).map((lesson) => [lesson.id, lesson.title]),
  );
  return (
    <Card
      title="Structure"
      description={
        course.modules.length
          ? `${plural(course.moduleCount, "module", "modules")}, ${plural(course.lessonCount, "lesson", "lessons")}, about ${minutesInWords(minutes)} in all. Learners take them in this order.`
          : undefined
      }
    >
      {course.modules.length === 0 ? (
        <EmptyState title="No modules yet">Add the first module below, then its lessons.</EmptyState>
      ) : (
        <ol className="module-list">
          {course.modules.map((module, index) => (
            <ModuleBlock
              key={module.id}
              module={module}
              number={index + 1}
              moduleIds={course.modules.map((each) => each.id)}
              open={open}
              moduleTitles={moduleTitles}
              lessonTitles={lessonTitles}
            />
          ))}
        </ol>
      )}
      <AddModuleForm courseId={course.id} onAdded={(title) => onChanged(`Added the module “${title}”.`)} />
    </Card>
  );
}

function namesOf(ids: readonly string[], titles: Map<string, string>): string {
  return ids.map((id) => titles.get(id) ?? "a removed item").join(", ");
}

function ModuleBlock({
  module,
  number,
  moduleIds,
  open,
  moduleTitles,
  lessonTitles,
}: {
  module: CourseModule;
  number: number;
  moduleIds: readonly string[];
  open: (dialog: Dialog) => void;
  moduleTitles: Map<string, string>;
  lessonTitles: Map<string, string>;
}) {
  const headingId = useId();
  const reorder = useReorder();
  const lessonIds = module.lessons.map((lesson) => lesson.id);
  const minutes = module.lessons.reduce((total, lesson) => total + (lesson.durationMinutes ?? 0), 0);
  const columns: DataTableColumn<CourseLesson>[] = [
    {
      key: "title",
      header: "Lesson",
      cell: (lesson) => (
        <span className="lesson-cell">
          <span>{lesson.title}</span>
          <span className="meta">
            {lesson.required ? "Required" : "Optional"}
            {lesson.prerequisiteLessonIds.length
              ? ` · after ${namesOf(lesson.prerequisiteLessonIds, lessonTitles)}`
              : ""}
          </span>
        </span>
      ),
    },
    { key: "kind", header: "Kind", cell: (lesson) => kindWords[lesson.kind] },
    { key: "duration", header: "Time", align: "end", cell: (lesson) => minutesInWords(lesson.durationMinutes) },
    {
      key: "content",
      header: "Content",
      cell: (lesson) =>
        lesson.content ? (
          <span className="content-cell">
            <a href={lesson.content.url} target="_blank" rel="noreferrer">
              {lesson.content.provider}
              <span className="visually-hidden"> content of {lesson.title} (opens in a new tab)</span>
            </a>
            {lesson.content.externalId ? <span className="meta course-code">{lesson.content.externalId}</span> : null}
          </span>
        ) : (
          "—"
        ),
    },
    {
      key: "actions",
      header: "Actions",
      cell: (lesson) => (
        <div className="row-actions">
          <Button className="button-small" onPress={() => open({ kind: "edit-lesson", lesson })}>
            Edit<span className="visually-hidden"> {lesson.title}</span>
          </Button>
          <MoveButtons
            name={lesson.title}
            index={lessonIds.indexOf(lesson.id)}
            count={lessonIds.length}
            isPending={reorder.isPending}
            onMove={(from, to) => reorder.mutate({ of: "lesson", ids: lessonIds, from, to })}
          />
          <Button className="button-small" onPress={() => open({ kind: "lesson-prerequisites", lesson })}>
            Prerequisites<span className="visually-hidden"> of {lesson.title}</span>
          </Button>
          <Button className="button-small" onPress={() => open({ kind: "remove-lesson", lesson })}>
            Remove<span className="visually-hidden"> {lesson.title}</span>
          </Button>
        </div>
      ),
    },
  ];
  return (
    <li className="module" aria-labelledby={headingId}>
      <div className="module-header">
        <div>
          <h3 id={headingId} className="module-title">
            <span className="module-number">Module {number}:</span> {module.title}
          </h3>
          <p className="meta">
            {plural(module.lessons.length, "lesson", "lessons")}
            {minutes ? `, ${minutesInWords(minutes)}` : ""}
            {module.prerequisiteModuleIds.length
              ? ` · opens after ${namesOf(module.prerequisiteModuleIds, moduleTitles)}`
              : ""}
          </p>
        </div>
        <div className="row-actions">
          <Button className="button-small" onPress={() => open({ kind: "add-lesson", module })}>
            Add lesson<span className="visually-hidden"> to {module.title}</span>
          </Button>
          <MoveButtons
            name={`module ${module.title}`}
            index={number - 1}
            count={moduleIds.length}
            isPending={reorder.isPending}
            onMove={(from, to) => reorder.mutate({ of: "module", ids: moduleIds, from, to })}
          />
          <Button className="button-small" onPress={() => open({ kind: "rename-module", module })}>
            Rename<span className="visually-hidden"> module {module.title}</span>
          </Button>
          <Button className="button-small" onPress={() => open({ kind: "module-prerequisites", module })}>
            Prerequisites<span className="visually-hidden"> of module {module.title}</span>
          </Button>
          <Button className="button-small" onPress={() => open({ kind: "remove-module", module })}>
            Remove<span className="visually-hidden"> module {module.title}</span>
          </Button>
        </div>
      </div>
      {reorder.isError ? <ErrorState title="The order was not changed" error={reorder.error} /> : null}
      {module.lessons.length === 0 ? (
        <p className="meta module-empty">No lessons yet: add the first with “Add lesson”.</p>
      ) : (
        <DataTable
          caption={<span className="visually-hidden">Lessons of {module.title}, in order</span>}
          columns={columns}
          rows={module.lessons}
          rowKey={(lesson) => lesson.id}
        />
      )}
    </li>
  );
}

/** Up and down, each naming what it moves; the first has no up, the last no down. */
function MoveButtons({
  name,
  index,
  count,
  isPending,
  onMove,
}: {
  name: string;
  index: number;
  count: number;
  isPending: boolean;
  onMove: (from: number, to: number) => void;
}) {
  if (count < 2) return null;
  return (
    <>
      {index > 0 ? (
        <Button className="button-small move-button" isDisabled={isPending} onPress={() => onMove(index, index - 1)}>
          <span aria-hidden="true">↑</span>
          <span className="visually-hidden">Move {name} up</span>
        </Button>
      ) : null}
      {index < count - 1 ? (
        <Button className="button-small move-button" isDisabled={isPending} onPress={() => onMove(index, index + 1)}>
          <span aria-hidden="true">↓</span>
          <span className="visually-hidden">Move {name} down</span>
        </Button>
      ) : null}
    </>
  );
}

function AddModuleForm({ courseId, onAdded }: { courseId: string; onAdded: (title: string) => void }) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const inputId = useId();
  const [title, setTitle] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const add = useMutation(trpc.courses.addModule.mutationOptions());

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (add.isPending) return;
    const trimmed = title.trim();
    if (!trimmed) {
      setProblem("Enter the module’s title");
      document.getElementById(inputId)?.focus();
      return;
    }
    setProblem(null);
    add.mutate(
      { courseId, title: trimmed },
      {
        onSuccess: async () => {
          setTitle("");
          await refresh();
          onAdded(trimmed);
        },
        onError: (error) => {
          setProblem(refusalsOf(error).fields.title ?? null);
          document.getElementById(inputId)?.focus();
        },
      },
    );
  }

  return (
    <form className="inline-form add-module" noValidate onSubmit={submit}>
      <TextField
        id={inputId}
        label="New module’s title"
        value={title}
        onChange={setTitle}
        error={problem}
        autoComplete="off"
        maxLength={200}
      />
      <Button type="submit" isPending={add.isPending}>
        Add module
      </Button>
      {add.isError && !problem ? <ErrorState title="The module was not added" error={add.error} /> : null}
    </form>
  );
}

function RenameModuleDialog({
  module,
  onClose,
  onSaved,
}: {
  module: CourseModule;
  onClose: () => void;
  onSaved: (title: string) => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const inputId = useId();
  const [title, setTitle] = useState(module.title);
  const [problem, setProblem] = useState<string | null>(null);
  const update = useMutation(trpc.courses.updateModule.mutationOptions());
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (update.isPending) return;
    const trimmed = title.trim();
    if (!trimmed) {
      setProblem("Enter the module’s title");
      document.getElementById(inputId)?.focus();
      return;
    }
    update.mutate(
      { moduleId: module.id, title: trimmed },
      {
        onSuccess: async () => {
          await refresh();
          onSaved(trimmed);
        },
        onError: (error) => setProblem(refusalsOf(error).fields.title ?? null),
      },
    );
  }
  return (
    <ModalDialog title={`Rename “${module.title}”`} onClose={onClose} busy={update.isPending}>
      <form className="form" noValidate onSubmit={submit}>
        <TextField
          id={inputId}
          label="Title"
          value={title}
          onChange={setTitle}
          error={problem}
          autoFocus
          maxLength={200}
        />
        {update.isError && !problem ? <ErrorState title="The module was not renamed" error={update.error} /> : null}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={update.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={update.isPending}>
            Rename
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

function RemoveDialog({
  what,
  title,
  id,
  detail,
  onClose,
  onRemoved,
  returnFocusTo,
}: {
  what: "module" | "lesson";
  title: string;
  id: string;
  detail: string;
  onClose: () => void;
  onRemoved: () => void;
  returnFocusTo: () => HTMLElement | null;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const removeModule = useMutation(trpc.courses.removeModule.mutationOptions());
  const removeLesson = useMutation(trpc.courses.removeLesson.mutationOptions());
  const remove = what === "module" ? removeModule : removeLesson;
  const run = () => {
    if (remove.isPending) return;
    const options = {
      onSuccess: async () => {
        await refresh();
        onRemoved();
      },
    };
    if (what === "module") removeModule.mutate({ moduleId: id }, options);
    else removeLesson.mutate({ lessonId: id }, options);
  };
  return (
    <ModalDialog
      role="alertdialog"
      title={`Remove the ${what} “${title}”?`}
      onClose={onClose}
      busy={remove.isPending}
      returnFocusTo={returnFocusTo}
    >
      <p>{detail}</p>
      {remove.isError ? <ErrorState title={`The ${what} was not removed`} error={remove.error} /> : null}
      <div className="dialog-actions">
        <Button onPress={onClose} isDisabled={remove.isPending} autoFocus>
          Cancel
        </Button>
        <Button variant="danger" isPending={remove.isPending} onPress={run}>
          Remove {what}
        </Button>
      </div>
    </ModalDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Lessons
// ---------------------------------------------------------------------------------------------------------

type LessonField = "title" | "kind" | "url" | "provider" | "externalId" | "xapiActivityId" | "durationMinutes";

function LessonDialog({
  module,
  lesson,
  onClose,
  onSaved,
}: {
  /** The module a new lesson goes in; absent when editing `lesson`. */
  module?: CourseModule;
  lesson?: CourseLesson;
  onClose: () => void;
  onSaved: (title: string) => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const [values, setValues] = useState({
    title: lesson?.title ?? "",
    kind: (lesson?.kind ?? "video") as LessonKind,
    url: lesson?.content?.url ?? "",
    provider: lesson?.content?.provider ?? "",
    externalId: lesson?.content?.externalId ?? "",
    xapiActivityId: lesson?.xapiActivityId ?? "",
    durationMinutes: lesson?.durationMinutes ? String(lesson.durationMinutes) : "",
    required: lesson?.required ?? true,
  });
  const [problems, setProblems] = useState<Partial<Record<LessonField, string>>>({});
  const [general, setGeneral] = useState<unknown>(null);
  const { formRef, refused } = useFocusFirstProblem();
  const add = useMutation(trpc.courses.addLesson.mutationOptions());
  const update = useMutation(trpc.courses.updateLesson.mutationOptions());
  const pending = add.isPending || update.isPending;
  const set = (field: LessonField) => (value: string) => {
    setValues((current) => ({ ...current, [field]: value }));
    setProblems(({ [field]: _fixed, ...rest }) => rest);
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending) return;
    const minutes = values.durationMinutes.trim();
    const parsed = addLessonInput.safeParse({
      moduleId: module?.id ?? lesson?.moduleId,
      title: values.title,
      kind: values.kind,
      content: { url: values.url.trim(), provider: values.provider, externalId: values.externalId.trim() || null },
      xapiActivityId: values.xapiActivityId.trim() || null,
      durationMinutes: minutes ? Number(minutes) : null,
      required: values.required,
    });
    const found: Partial<Record<LessonField, string>> = {};
    if (!parsed.success) {
      const issues = issuesByField(parsed.error.issues);
      if (issues.title) found.title = issues.title;
      if (issues["content.url"]) found.url = issues["content.url"];
      if (issues["content.provider"]) found.provider = issues["content.provider"];
      if (issues["content.externalId"]) found.externalId = "An external id has at most 200 characters";
      if (issues.xapiActivityId) found.xapiActivityId = issues.xapiActivityId;
      if (issues.durationMinutes) found.durationMinutes = "Enter whole minutes from 1 to 10,000, or leave it empty";
    }
    setProblems(found);
    setGeneral(null);
    if (!parsed.success) {
      refused();
      return;
    }
    const { moduleId: _module, ...fields } = parsed.data;
    const options = {
      onSuccess: async () => {
        await refresh();
        onSaved(fields.title);
      },
      onError: (error: unknown) => {
        const { fields: refused_, general: other } = refusalsOf(error);
        const mapped: Partial<Record<LessonField, string>> = {};
        if (refused_.title) mapped.title = refused_.title;
        if (refused_["content.url"]) mapped.url = refused_["content.url"];
        if (refused_["content.provider"]) mapped.provider = refused_["content.provider"];
        if (refused_.xapiActivityId) mapped.xapiActivityId = refused_.xapiActivityId;
        if (refused_.durationMinutes) mapped.durationMinutes = refused_.durationMinutes;
        setProblems(mapped);
        setGeneral(Object.keys(mapped).length ? null : (other ?? error));
        refused();
      },
    };
    if (lesson) update.mutate({ lessonId: lesson.id, ...fields }, options);
    else add.mutate(parsed.data, options);
  }

  return (
    <ModalDialog
      title={lesson ? `Edit “${lesson.title}”` : `Add a lesson to “${module?.title ?? ""}”`}
      onClose={onClose}
      busy={pending}
    >
      <form ref={formRef} className="form" noValidate onSubmit={submit}>
        {general ? <ErrorState title="The lesson was not saved" error={general} /> : null}
        <TextField
          label="Title"
          value={values.title}
          onChange={set("title")}
          error={problems.title}
          autoFocus
          maxLength={200}
        />
        <SelectField
          label="Kind"
          value={values.kind}
          onChange={set("kind")}
          options={lessonKind.options.map((kind) => ({ value: kind, label: kindWords[kind] }))}
        />
        <TextField
          label="Content address"
          hint="The https:// address where the hosting tool shows it."
          type="url"
          value={values.url}
          onChange={set("url")}
          error={problems.url}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="none"
          maxLength={2000}
        />
        <div className="field-row">
          <TextField
            label="Provider"
            hint="The tool that hosts it: Vimeo, SharePoint, Zoom…"
            value={values.provider}
            onChange={set("provider")}
            error={problems.provider}
            autoComplete="off"
            maxLength={100}
          />
          <TextField
            label="External id (optional)"
            hint="The provider’s own id for it."
            value={values.externalId}
            onChange={set("externalId")}
            error={problems.externalId}
            autoComplete="off"
            spellCheck={false}
            maxLength={200}
          />
        </div>
        <TextField
          label="Duration in minutes (optional)"
          value={values.durationMinutes}
          onChange={set("durationMinutes")}
          error={problems.durationMinutes}
          inputMode="numeric"
          autoComplete="off"
        />
        <TextField
          label="xAPI activity id (optional)"
          hint="The activity id the tool uses in its xAPI statements, when it is not the content address."
          value={values.xapiActivityId}
          onChange={set("xapiActivityId")}
          error={problems.xapiActivityId}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="none"
          maxLength={2000}
        />
        <CheckboxField
          label="Required to complete the course"
          checked={values.required}
          onChange={(required) => setValues((current) => ({ ...current, required }))}
        />
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" isPending={pending}>
            {lesson ? "Save lesson" : "Add lesson"}
          </Button>
        </div>
      </form>
    </ModalDialog>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Prerequisites
// ---------------------------------------------------------------------------------------------------------

function PrerequisitesDialog({
  course,
  of,
  target,
  onClose,
  onSaved,
}: {
  course: CourseStructure;
  of: "lesson" | "module";
  target: CourseLesson | CourseModule;
  onClose: () => void;
  onSaved: (count: number) => void;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshCourse();
  const initial = "prerequisiteLessonIds" in target ? target.prerequisiteLessonIds : target.prerequisiteModuleIds;
  const [chosen, setChosen] = useState<Set<string>>(new Set(initial));
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation(trpc.courses.setPrerequisites.mutationOptions());
  const legendId = useId();
  const groups =
    of === "lesson"
      ? course.modules
          .map((module) => ({
            id: module.id,
            title: module.title,
            choices: module.lessons.filter((lesson) => lesson.id !== target.id),
          }))
          .filter((group) => group.choices.length > 0)
      : [{ id: "modules", title: "", choices: course.modules.filter((module) => module.id !== target.id) }];
  const none = groups.every((group) => group.choices.length === 0);

  function toggle(id: string, on: boolean) {
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (save.isPending) return;
    setProblem(null);
    const requiredIds = [...chosen];
    save.mutate(
      { of, id: target.id, requiredIds },
      {
        onSuccess: async () => {
          await refresh();
          onSaved(requiredIds.length);
        },
        onError: (error) => {
          const { fields } = refusalsOf(error);
          setProblem(fields.requiredIds ?? null);
          setTimeout(() => document.getElementById(`${legendId}-error`)?.focus(), 0);
        },
      },
    );
  }

  return (
    <ModalDialog title={`Prerequisites of “${target.title}”`} onClose={onClose} busy={save.isPending}>
      <form className="form" noValidate onSubmit={submit}>
        {none ? (
          <EmptyState title={`The course has no other ${of}s`}>
            Add more {of}s first; then choose which come before.
          </EmptyState>
        ) : (
          <fieldset className="choice-group" aria-describedby={problem ? `${legendId}-error` : undefined}>
            <legend id={legendId}>
              {of === "lesson"
                ? "Learners must complete these lessons before this one opens"
                : "Learners must complete these modules before this one opens"}
            </legend>
            {problem ? (
              <p id={`${legendId}-error`} className="field-error" tabIndex={-1}>
                <span className="visually-hidden">Error: </span>
                {problem}
              </p>
            ) : null}
            {groups.map((group) => (
              <div key={group.id} className="choice-subgroup">
                {group.title ? <p className="choice-subgroup-title">{group.title}</p> : null}
                {group.choices.map((choice) => (
                  <CheckboxField
                    key={choice.id}
                    label={choice.title}
                    checked={chosen.has(choice.id)}
                    onChange={(on) => toggle(choice.id, on)}
                  />
                ))}
              </div>
            ))}
          </fieldset>
        )}
        {save.isError && !problem ? <ErrorState title="The prerequisites were not saved" error={save.error} /> : null}
        <div className="dialog-actions">
          <Button onPress={onClose} isDisabled={save.isPending}>
            Cancel
          </Button>
          {none ? null : (
            <Button type="submit" variant="primary" isPending={save.isPending}>
              Save prerequisites
            </Button>
          )}
        </div>
      </form>
    </ModalDialog>
  );
}
