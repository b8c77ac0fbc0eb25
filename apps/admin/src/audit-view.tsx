import "./audit.css";
import type { AppRouter } from "@learnops/api/root";
import { type AuditListInput, auditListInput } from "@learnops/contracts/audit";
import { useTRPC } from "@learnops/ui/api-provider";
import {
  Button,
  Card,
  DataTable,
  type DataTableColumn,
  EmptyState,
  ErrorState,
  LoadingState,
  StatusMessage,
} from "@learnops/ui/components";
import { roleLabel } from "@learnops/ui/session";
import { useQuery } from "@tanstack/react-query";
import type { inferOutput, TRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { type FormEvent, useEffect, useId, useRef, useState, useSyncExternalStore } from "react";
import { DateTimeText, plural, TextField } from "./settings-controls.tsx";

/** An event as it reaches the browser (the API's `AuditEventView`, after JSON). */
type AuditEventView = inferOutput<TRPCOptionsProxy<AppRouter>["audit"]["list"]>["events"][number];

// ---------------------------------------------------------------------------------------------------------
// Words for actions and targets
// ---------------------------------------------------------------------------------------------------------

/** Every action the platform records, as people say it; the code is shown beside it. */
const actionLabels: Record<string, string> = {
  "account.email_verified": "Email address confirmed",
  "account.locked": "Account locked after failed sign-ins",
  "account.password_changed": "Password changed",
  "account.password_reset": "Password reset",
  "account.reactivated": "Account reactivated",
  "account.registered": "Registered",
  "account.suspended": "Account suspended",
  "account.unlocked": "Account unlocked",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "client_group.created": "Client group added",
  "client_group.removed": "Client group removed",
  "client_group.renamed": "Client group renamed",
  "institution.branding_updated": "Branding changed",
  "membership.created": "Membership added",
  "membership.reactivated": "Membership reactivated",
  "membership.removed": "Membership removed",
  "membership.role_changed": "Role changed",
  "membership.suspended": "Membership suspended",
  "membership.switched": "Switched membership",
  "session.signed_in": "Signed in",
  "support.acting_as_started": "Started acting as someone",
  "support.acting_as_stopped": "Stopped acting as someone",
};

const actionOptions = Object.entries(actionLabels).sort(([, a], [, b]) => a.localeCompare(b));

function actionLabel(action: string): string {
  return actionLabels[action] ?? action;
}

const targetLabels: Record<string, string> = {
  api_key: "API key",
  client_group: "Client group",
  institution: "Institution",
  membership: "Membership",
  user: "Person",
};

/** A name the event's before or after carries for its target ("Contoso Clinics"), if any. */
function targetName(event: AuditEventView): string | null {
  // Signing in, changing one's password: the person is their own target.
  if (event.targetType === "user" && event.targetId === event.actorUserId && event.actor)
    return event.actor.displayName;
  for (const state of [event.after, event.before]) {
    if (state && typeof state === "object" && "name" in state && typeof state.name === "string") return state.name;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// Filters and page, kept in the address
// ---------------------------------------------------------------------------------------------------------

const pageSizes = [10, 25, 50, 100] as const;
const defaultPageSize = 25;

interface AuditFilters {
  action: string;
  actor: string;
  /** Days as the reader's calendar shows them, YYYY-MM-DD; both ends included. */
  from: string;
  to: string;
  per: number;
  /** The id the page starts below (the previous page's `nextCursor`); empty on the newest page. */
  before: string;
}

function readFilters(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const per = Number.parseInt(params.get("per") ?? "", 10);
  return {
    action: params.get("action") ?? "",
    actor: params.get("actor") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    per: Number.isInteger(per) && per >= 1 && per <= 100 ? per : defaultPageSize,
    before: params.get("before") ?? "",
  };
}

function filtersSearch(filters: AuditFilters): string {
  const params = new URLSearchParams();
  if (filters.action) params.set("action", filters.action);
  if (filters.actor) params.set("actor", filters.actor);
  if (filters.from) params.set("from", filters.from);
  if (filters.to) params.set("to", filters.to);
  if (filters.per !== defaultPageSize) params.set("per", String(filters.per));
  if (filters.before) params.set("before", filters.before);
  const query = params.toString();
  return query ? `?${query}` : "";
}

const searchListeners = new Set<() => void>();

function subscribeToSearch(listener: () => void): () => void {
  searchListeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    searchListeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

/**
 * The filters in the address's query, and a way to change them that adds a history entry: each filtered
 * view and each page can be bookmarked or shared, and the browser's Back returns to the one before.
 */
function useAddressFilters(): [AuditFilters, (next: AuditFilters) => void] {
  const search = useSyncExternalStore(subscribeToSearch, () => window.location.search);
  const change = (next: AuditFilters) => {
    const query = filtersSearch(next);
    if (query === window.location.search) return;
    window.history.pushState(null, "", `${window.location.pathname}${query}`);
    for (const listener of searchListeners) listener();
  };
  return [readFilters(search), change];
}

/** A calendar day at the reader's midnight, as the API's instant; the day after for the end of a range. */
function startOfDay(day: string, daysLater = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + daysLater);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function toListInput(filters: AuditFilters): AuditListInput {
  const input: AuditListInput = { limit: filters.per };
  if (filters.action) input.action = filters.action;
  if (filters.actor) input.actorEmail = filters.actor;
  const from = startOfDay(filters.from);
  const to = startOfDay(filters.to, 1);
  if (from) input.from = from;
  if (to) input.to = to;
  if (filters.before) input.cursor = filters.before;
  return input;
}

// ---------------------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------------------

export default function AuditView({ canVerify }: { canVerify: boolean }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useAddressFilters();
  // Never the previous page's rows under the new filters' caption: a new view loads from empty.
  const events = useQuery(trpc.audit.list.queryOptions(toListInput(filters), { staleTime: 0 }));
  const resultsHeadingRef = useRef<HTMLHeadingElement>(null);
  // Set when the reader asks for another page or other filters: the results take focus once they arrive.
  const [focusResults, setFocusResults] = useState(false);
  const filtered = Boolean(filters.action || filters.actor || filters.from || filters.to);

  useEffect(() => {
    if (focusResults && !events.isPending) {
      resultsHeadingRef.current?.focus();
      setFocusResults(false);
    }
  }, [focusResults, events.isPending]);

  function show(next: AuditFilters) {
    setFilters(next);
    setFocusResults(true);
  }

  const resultsTitleId = useId();
  return (
    <>
      <FiltersCard
        // A new address (Back, a bookmark) starts the form from what it says.
        key={filtersSearch({ ...filters, before: "" })}
        filters={filters}
        onApply={(next) => show({ ...next, before: "" })}
      />
      <section className="card" aria-labelledby={resultsTitleId}>
        <h2 id={resultsTitleId} ref={resultsHeadingRef} tabIndex={-1}>
          {filters.before ? "Older events" : "Latest events"}
        </h2>
        {events.isPending ? (
          <LoadingState label="Loading events…" />
        ) : events.isError ? (
          <ErrorState
            title="The audit log could not be loaded"
            error={events.error}
            onRetry={() => void events.refetch()}
          />
        ) : events.data.events.length === 0 ? (
          <EmptyState title={filtered ? "No events match these filters" : "No events yet"}>
            {filtered
              ? "Widen the date range, choose another action or clear the filters."
              : "Events appear here as soon as anyone signs in or changes something."}
          </EmptyState>
        ) : (
          <div aria-busy={events.isFetching ? true : undefined}>
            <DataTable
              caption={`${plural(events.data.events.length, "event", "events")}${filtered ? " matching the filters" : ""}, newest first`}
              columns={columns}
              rows={events.data.events}
              rowKey={(event) => event.id}
            />
          </div>
        )}
        <nav className="audit-pages" aria-label="Audit log pages">
          {filters.before ? <Button onPress={() => show({ ...filters, before: "" })}>Newest events</Button> : null}
          {events.data?.nextCursor ? (
            <Button onPress={() => show({ ...filters, before: events.data?.nextCursor ?? "" })}>Older events</Button>
          ) : events.data && events.data.events.length > 0 ? (
            <p className="meta">{filters.before ? "These are the oldest events." : "There are no older events."}</p>
          ) : null}
        </nav>
      </section>
      <VerifyCard canVerify={canVerify} />
    </>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------------------

function FiltersCard({ filters, onApply }: { filters: AuditFilters; onApply: (next: AuditFilters) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(filters);
  const [problems, setProblems] = useState<{ actor?: string; to?: string }>({});
  const set = (field: "action" | "actor" | "from" | "to") => (value: string) =>
    setDraft((current) => ({ ...current, [field]: value }));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next: typeof problems = {};
    const actor = draft.actor.trim();
    if (actor) {
      const parsed = auditListInput.shape.actorEmail.safeParse(actor);
      if (!parsed.success) next.actor = parsed.error.issues[0]?.message ?? "Enter an email address";
    }
    if (draft.from && draft.to && draft.to < draft.from) next.to = "Choose an end date on or after the start date";
    setProblems(next);
    if (next.actor) {
      document.getElementById(`${id}-actor`)?.focus();
      return;
    }
    if (next.to) {
      document.getElementById(`${id}-to`)?.focus();
      return;
    }
    onApply({ ...draft, actor: actor.toLowerCase() });
  }

  const anyFilter = Boolean(filters.action || filters.actor || filters.from || filters.to);
  return (
    <Card title="Filters">
      <form className="audit-filters" noValidate onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select
            id={`${id}-action`}
            className="input"
            value={draft.action}
            onChange={(event) => set("action")(event.target.value)}
          >
            <option value="">Any action</option>
            {actionOptions.map(([code, label]) => (
              <option key={code} value={code}>
                {label}
              </option>
            ))}
            {draft.action && !actionLabels[draft.action] ? <option value={draft.action}>{draft.action}</option> : null}
          </select>
        </div>
        <TextField
          id={`${id}-actor`}
          label="Actor’s email address"
          value={draft.actor}
          onChange={set("actor")}
          error={problems.actor}
          type="email"
          inputMode="email"
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="none"
        />
        <TextField id={`${id}-from`} label="From" type="date" value={draft.from} onChange={set("from")} />
        <TextField
          id={`${id}-to`}
          label="To (included)"
          type="date"
          value={draft.to}
          onChange={set("to")}
          error={problems.to}
        />
        <div className="field">
          <label htmlFor={`${id}-per`}>Events per page</label>
          <select
            id={`${id}-per`}
            className="input"
            value={String(draft.per)}
            onChange={(event) => setDraft((current) => ({ ...current, per: Number(event.target.value) }))}
          >
            {[...new Set([...pageSizes, draft.per])]
              .sort((a, b) => a - b)
              .map((size) => (
                <option key={size} value={size}>
                  {size}
                </option>
              ))}
          </select>
        </div>
        <div className="audit-filter-actions">
          <Button type="submit" variant="primary">
            Show events
          </Button>
          {anyFilter ? (
            <Button onPress={() => onApply({ action: "", actor: "", from: "", to: "", per: filters.per, before: "" })}>
              Clear filters
            </Button>
          ) : null}
        </div>
      </form>
    </Card>
  );
}

// ---------------------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------------------

const someoneElse = "Someone outside your institution";

/** "Sam Rivera acting as Ada Okafor", with the role acted in and the addresses under it. */
function ActorCell({ event }: { event: AuditEventView }) {
  if (!event.actorUserId) return <span>LearnOps itself</span>;
  const actor = event.actor?.displayName ?? someoneElse;
  const real = event.realActorUserId ? (event.realActor?.displayName ?? someoneElse) : null;
  const actorAddress = event.actor?.email ?? null;
  const realAddress = event.realActor?.email ?? null;
  return (
    <>
      <span className="audit-actor">{real ? `${real} acting as ${actor}` : actor}</span>
      {event.activeRole ? <span className="audit-detail">{roleLabel(event.activeRole)}</span> : null}
      {real && realAddress && actorAddress ? (
        <span className="audit-detail">
          {realAddress} as {actorAddress}
        </span>
      ) : actorAddress ? (
        <span className="audit-detail">{actorAddress}</span>
      ) : (
        // Nobody the institution may name: the id is what support can trace.
        <span className="audit-detail">
          <code>{event.actorUserId}</code>
        </span>
      )}
    </>
  );
}

function ChangesCell({ event }: { event: AuditEventView }) {
  if (event.before == null && event.after == null) return <span className="audit-detail">None recorded</span>;
  return (
    <details className="audit-changes">
      <summary>Before and after</summary>
      <dl>
        <dt>Before</dt>
        <dd>{event.before == null ? "Nothing" : <pre>{JSON.stringify(event.before, null, 2)}</pre>}</dd>
        <dt>After</dt>
        <dd>{event.after == null ? "Nothing" : <pre>{JSON.stringify(event.after, null, 2)}</pre>}</dd>
      </dl>
    </details>
  );
}

const columns: readonly DataTableColumn<AuditEventView>[] = [
  {
    key: "when",
    header: "When",
    cell: (event) => (
      <>
        <DateTimeText value={event.occurredAt} />
        <span className="audit-detail">No. {event.sequence}</span>
      </>
    ),
  },
  {
    key: "action",
    header: "Action",
    cell: (event) => (
      <>
        {actionLabel(event.action)}
        <span className="audit-detail">
          <code>{event.action}</code>
        </span>
      </>
    ),
  },
  { key: "actor", header: "Actor", cell: (event) => <ActorCell event={event} /> },
  {
    key: "target",
    header: "Target",
    cell: (event) => {
      if (!event.targetType) return <span className="audit-detail">None</span>;
      const name = targetName(event);
      return (
        <>
          {targetLabels[event.targetType] ?? event.targetType}
          {name ? ` “${name}”` : null}
          {event.targetId ? (
            <span className="audit-detail">
              <code>{event.targetId}</code>
            </span>
          ) : null}
        </>
      );
    },
  },
  {
    key: "request",
    header: "Request id",
    cell: (event) => (event.requestId ? <code className="audit-code">{event.requestId}</code> : "None"),
  },
  { key: "ip", header: "IP address", cell: (event) => (event.ip ? <code>{event.ip}</code> : "Unknown") },
  { key: "changes", header: "Changes", cell: (event) => <ChangesCell event={event} /> },
];

// ---------------------------------------------------------------------------------------------------------
// Verifying the chain
// ---------------------------------------------------------------------------------------------------------

function VerifyCard({ canVerify }: { canVerify: boolean }) {
  const trpc = useTRPC();
  // Asked for on demand only: it recomputes the hash of every event of the institution.
  const report = useQuery(trpc.audit.verify.queryOptions(undefined, { enabled: false, staleTime: 0, retry: false }));
  return (
    <Card
      title="Verify the chain"
      description="Each event carries a fingerprint of itself and of the event before it. Verifying recomputes every fingerprint: an event edited, removed or put out of order breaks the chain."
    >
      {canVerify ? (
        <>
          <div>
            <Button isPending={report.isFetching} onPress={() => void report.refetch()}>
              Verify the chain
            </Button>
          </div>
          <StatusMessage tone={report.data?.intact ? "positive" : "neutral"}>
            {report.isFetching
              ? "Verifying…"
              : report.data?.intact
                ? `The chain is intact: no event was edited, removed or reordered (checked ${new Date(report.dataUpdatedAt).toLocaleTimeString()}).`
                : ""}
          </StatusMessage>
          {!report.isFetching && report.data && !report.data.intact ? (
            <div role="alert" className="error-state">
              <p className="error-state-title">
                The chain is broken: {plural(report.data.breaks.length, "problem", "problems")} found
              </p>
              <ul className="audit-breaks">
                {report.data.breaks.map((problem) => (
                  <li key={`${problem.sequence}-${problem.problem}`}>
                    Event no. {problem.sequence}: {problem.problem}
                  </li>
                ))}
              </ul>
              <p>Tell your LearnOps operator: they can compare the log with its backups.</p>
            </div>
          ) : null}
          {report.isError ? <ErrorState title="The chain could not be verified" error={report.error} /> : null}
        </>
      ) : (
        <p>Verifying the chain is for course admins and platform admins.</p>
      )}
    </Card>
  );
}
