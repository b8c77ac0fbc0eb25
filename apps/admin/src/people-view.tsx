import "./people.css";
import type { PersonInInstitution } from "@learnops/contracts/administration";
import type { SessionView } from "@learnops/contracts/me";
import type { Permission } from "@learnops/contracts/permissions";
import { useTRPC, useTRPCClient } from "@learnops/ui/api-provider";
import { Button, EmptyState, ErrorState, LoadingState, StatusBadge } from "@learnops/ui/components";
import { navigate } from "@learnops/ui/navigation";
import { roleLabel } from "@learnops/ui/session";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useCallback, useEffect, useId, useMemo, useRef, useState } from "react";
import { ActAsDialog } from "./act-as-dialog.tsx";
import {
  AddPersonDialog,
  ChangeRoleDialog,
  type ClientGroupOption,
  ConfirmDialog,
  type PeopleReport,
  roleInWords,
} from "./people-dialogs.tsx";
import { PeopleTextField } from "./people-fields.tsx";

type Person = PersonInInstitution;

/** People per page: enough to scan, few enough to keep the page quick on a phone. */
const pageSize = 25;

interface PeopleQuery {
  search: string;
  /** The email of the last person of the previous page; none on the first page. */
  after: string | null;
}

/** The search and page the address names: `/admin/people?search=ada&after=…`. */
function queryFromAddress(): PeopleQuery {
  const params = new URLSearchParams(window.location.search);
  return { search: params.get("search")?.trim() ?? "", after: params.get("after") || null };
}

function addressFor(query: PeopleQuery): string {
  const params = new URLSearchParams();
  if (query.search) params.set("search", query.search);
  if (query.after) params.set("after", query.after);
  const search = params.toString();
  return `${window.location.pathname}${search ? `?${search}` : ""}`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/** What the signed-in person may do here, from the active membership's permissions. */
export interface PeoplePowers {
  addPeople: boolean;
  manageMemberships: boolean;
  suspendAccounts: boolean;
  unlock: boolean;
  actAs: boolean;
  /** Platform admin roles are given and changed by platform admins only. */
  grantPlatformAdmin: boolean;
  /** Whose session this is, and the membership it acts in: neither is changed from here. */
  selfUserId: string;
  selfMembershipId: string | null;
}

function powersOf(session: SessionView): PeoplePowers {
  const may = (permission: Permission) => session.permissions.includes(permission);
  return {
    addPeople: may("users.manage"),
    manageMemberships: may("memberships.manage"),
    suspendAccounts: may("accounts.suspend"),
    unlock: may("accounts.unlock"),
    actAs: may("sessions.act_as"),
    grantPlatformAdmin: session.activeMembership?.role === "platform_admin",
    selfUserId: session.user.id,
    selfMembershipId: session.activeMembership?.id ?? null,
  };
}

/** The People section: search, a page of people with their memberships, and what may be done for each. */
export default function PeopleView({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const powers = useMemo(() => powersOf(session), [session]);
  const [query, setQuery] = useState(queryFromAddress);
  // The cursors of the pages before this one, for "Previous page".
  const [earlierPages, setEarlierPages] = useState<(string | null)[]>([]);
  const [draft, setDraft] = useState(query.search);
  const [notice, setNotice] = useState("");
  const [failure, setFailure] = useState<{ title: string; error: unknown } | null>(null);
  const noticeRef = useRef<HTMLDivElement>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  const [focusHeading, setFocusHeading] = useState(false);

  // Back and Forward move between searches and pages as between pages.
  useEffect(() => {
    const follow = () => {
      const next = queryFromAddress();
      setQuery(next);
      setDraft(next.search);
      setEarlierPages([]);
    };
    window.addEventListener("popstate", follow);
    return () => window.removeEventListener("popstate", follow);
  }, []);

  // No placeholder from the previous search or page: its people, or its "Next page" cursor, would pass for
  // this one's while it loads.
  const people = useQuery(
    trpc.people.list.queryOptions({
      limit: pageSize,
      ...(query.search ? { search: query.search } : {}),
      ...(query.after ? { after: query.after } : {}),
    }),
  );
  const needsGroups =
    session.permissions.includes("client_groups.read") && (powers.addPeople || powers.manageMemberships);
  const clientGroups = useQuery({ ...trpc.clientGroups.list.queryOptions(), enabled: needsGroups });
  const groupOptions: ClientGroupOption[] = useMemo(
    () => (clientGroups.data ?? []).map((group) => ({ id: group.id, label: group.name })),
    [clientGroups.data],
  );

  // After a page change, focus moves to the list's heading once the new page is shown, so keyboard and
  // screen-reader users start reading it from the top (the button they pressed may have gone).
  useEffect(() => {
    if (focusHeading && !people.isPending) {
      headingRef.current?.focus();
      setFocusHeading(false);
    }
  }, [focusHeading, people.isPending]);

  const show = useCallback((next: PeopleQuery, trail: (string | null)[]) => {
    setQuery(next);
    setEarlierPages(trail);
    navigate(addressFor(next));
  }, []);

  const report: PeopleReport = useMemo(
    () => ({
      done: (message) => {
        setFailure(null);
        setNotice(message);
        void queryClient.invalidateQueries({ queryKey: trpc.people.list.pathKey() }).then(() => {
          // The control used may have gone with what it changed (a removed role, a suspended account's
          // button): focus then goes to the message, where reading goes on, rather than to the page's top.
          setTimeout(() => {
            const focused = document.activeElement;
            if (!focused || focused === document.body || !focused.isConnected) noticeRef.current?.focus();
          }, 50);
        });
      },
      failed: (title, error) => {
        setNotice("");
        setFailure({ title, error });
      },
    }),
    [queryClient, trpc],
  );

  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setNotice("");
    setFailure(null);
    show({ search: draft.trim(), after: null }, []);
  }

  const page = people.data;
  const title = query.search ? `People matching “${query.search}”` : "People";
  return (
    <>
      <div className="people-toolbar">
        <search className="people-search">
          <form className="people-search-form" onSubmit={search}>
            <PeopleTextField
              label="Search by name or email"
              hint="The start of a name or an address, such as “ada” or “kim.m”."
              value={draft}
              onChange={setDraft}
              autoComplete="off"
            />
            <div className="people-search-actions">
              <Button type="submit">Search</Button>
              {query.search ? (
                <Button
                  onPress={() => {
                    setDraft("");
                    show({ search: "", after: null }, []);
                  }}
                >
                  Show everyone
                </Button>
              ) : null}
            </div>
          </form>
        </search>
        {powers.addPeople ? (
          <AddPersonDialog
            clientGroups={groupOptions}
            grantPlatformAdmin={powers.grantPlatformAdmin}
            institutionName={session.activeMembership?.institution.displayName ?? "your institution"}
            report={report}
          />
        ) : null}
      </div>

      <div ref={noticeRef} role="status" tabIndex={-1} className="status-message people-notice" data-tone="positive">
        {notice}
      </div>
      {failure ? <ErrorState title={failure.title} error={failure.error} /> : null}

      <section className="card people-results" aria-labelledby={headingId} aria-busy={people.isFetching}>
        <h2 id={headingId} ref={headingRef} tabIndex={-1}>
          {title}
        </h2>
        {people.isPending ? (
          <LoadingState label="Loading people…" />
        ) : people.isError ? (
          <ErrorState title="People could not be loaded" error={people.error} onRetry={() => void people.refetch()} />
        ) : page && page.people.length === 0 ? (
          <EmptyState title={query.search ? `Nobody’s name or email starts with “${query.search}”` : "Nobody here yet"}>
            {query.search
              ? "Check the spelling, or search for the start of their email address instead."
              : powers.addPeople
                ? "Add the first person with “Add person”."
                : "People appear here once an admin adds them."}
          </EmptyState>
        ) : page ? (
          <>
            <p className="meta">
              {plural(page.people.length, "person", "people")} on this page, by email
              {page.nextAfter ? "; more on the next page" : ""}.
            </p>
            <ul className="people-list">
              {page.people.map((person) => (
                <PersonItem
                  key={person.userId}
                  person={person}
                  powers={powers}
                  clientGroups={groupOptions}
                  report={report}
                />
              ))}
            </ul>
          </>
        ) : null}
        {page && (query.after || page.nextAfter) ? (
          <nav className="people-pages" aria-label="Pages of people">
            {query.after ? (
              <Button
                onPress={() => {
                  setFocusHeading(true);
                  show({ ...query, after: earlierPages.at(-1) ?? null }, earlierPages.slice(0, -1));
                }}
              >
                Previous page
              </Button>
            ) : null}
            {page.nextAfter ? (
              <Button
                onPress={() => {
                  setFocusHeading(true);
                  show({ ...query, after: page.nextAfter }, [...earlierPages, query.after]);
                }}
              >
                Next page
              </Button>
            ) : null}
          </nav>
        ) : null}
      </section>
    </>
  );
}

/** One person: who they are, their account's state, their memberships here, and the actions allowed. */
function PersonItem({
  person,
  powers,
  clientGroups,
  report,
}: {
  person: Person;
  powers: PeoplePowers;
  clientGroups: readonly ClientGroupOption[];
  report: PeopleReport;
}) {
  const client = useTRPCClient();
  const headingId = useId();
  const name = person.displayName;
  const isSelf = person.userId === powers.selfUserId;
  const suspended = person.accountStatus === "suspended";
  const holdsPlatformAdmin = person.memberships.some((membership) => membership.role === "platform_admin");
  const mayActAs =
    powers.actAs &&
    !isSelf &&
    !suspended &&
    !holdsPlatformAdmin &&
    person.memberships.some((membership) => membership.status === "active");

  return (
    <li className="person" aria-labelledby={headingId}>
      <div className="person-identity">
        <h3 id={headingId} className="person-name">
          {name}
          {isSelf ? <span className="person-you"> (you)</span> : null}
        </h3>
        <p className="person-email">{person.email}</p>
        <p className="person-badges">
          {suspended ? (
            <StatusBadge tone="critical">Account suspended</StatusBadge>
          ) : (
            <StatusBadge tone="positive">Account active</StatusBadge>
          )}
          {person.hasPassword ? null : <StatusBadge tone="neutral">No password yet</StatusBadge>}
          {person.signInLockedUntil ? (
            <StatusBadge tone="critical">
              Sign-in locked until{" "}
              <time dateTime={person.signInLockedUntil}>{timeOfDay.format(new Date(person.signInLockedUntil))}</time>
            </StatusBadge>
          ) : null}
        </p>
      </div>

      <ul className="person-memberships" aria-label={`${name}’s roles here`}>
        {person.memberships.map((membership) => {
          const own = membership.id === powers.selfMembershipId;
          const mayChange =
            powers.manageMemberships && !own && (membership.role !== "platform_admin" || powers.grantPlatformAdmin);
          const label = roleInWords(membership.role, membership.clientGroupName);
          const whose = `${name}, ${label}`;
          return (
            <li key={membership.id} className="membership">
              <span className="membership-role">
                <span className="membership-name">{roleLabel(membership.role)}</span>
                {membership.clientGroupName ? (
                  <span className="membership-group">{membership.clientGroupName}</span>
                ) : null}
              </span>
              {membership.status === "active" ? (
                <StatusBadge tone="positive">Active</StatusBadge>
              ) : (
                <StatusBadge tone="critical">Suspended</StatusBadge>
              )}
              {mayChange ? (
                <span className="membership-actions">
                  <ChangeRoleDialog
                    person={person}
                    membership={membership}
                    clientGroups={clientGroups}
                    grantPlatformAdmin={powers.grantPlatformAdmin}
                    report={report}
                  />
                  {membership.status === "active" ? (
                    <ActionButton
                      label="Suspend"
                      accessibleName={`Suspend ${whose}`}
                      run={async () => {
                        const { sessionsEnded } = await client.memberships.suspend.mutate({
                          membershipId: membership.id,
                        });
                        return `${name} can no longer act as ${label}${
                          sessionsEnded > 0 ? `; ${plural(sessionsEnded, "session")} ended` : ""
                        }. Reactivate the role to give it back.`;
                      }}
                      failure={`${name}’s role was not suspended`}
                      report={report}
                    />
                  ) : (
                    <ActionButton
                      label="Reactivate"
                      accessibleName={`Reactivate ${whose}`}
                      run={async () => {
                        await client.memberships.reactivate.mutate({ membershipId: membership.id });
                        return `${name} can act as ${label} again.`;
                      }}
                      failure={`${name}’s role was not reactivated`}
                      report={report}
                    />
                  )}
                  <ConfirmDialog
                    triggerLabel="Remove"
                    triggerName={`Remove ${whose}`}
                    title={`Remove ${name} as ${label}?`}
                    confirmLabel="Remove"
                    failure={`${name} was not removed`}
                    report={report}
                    run={async () => {
                      await client.memberships.remove.mutate({ membershipId: membership.id });
                      return person.memberships.length > 1
                        ? `${name} is no longer ${label} here.`
                        : `${name} was removed: they no longer belong to your institution.`;
                    }}
                  >
                    {person.memberships.length > 1
                      ? `${name} keeps their other roles here. Their account and their records stay.`
                      : `This is ${name}’s only role here: they will no longer belong to your institution and will disappear from this list. Their account stays, and you can add them again.`}
                  </ConfirmDialog>
                </span>
              ) : null}
            </li>
          );
        })}
      </ul>

      <div className="person-actions">
        {powers.addPeople && !person.hasPassword && !suspended ? (
          <ActionButton
            label="Resend invitation"
            accessibleName={`Resend invitation to ${name}`}
            run={async () => {
              await client.people.resendInvitation.mutate({ userId: person.userId });
              return `A new invitation is on its way to ${person.email}; earlier links no longer work.`;
            }}
            failure={`The invitation to ${name} was not sent`}
            report={report}
          />
        ) : null}
        {powers.unlock && person.signInLockedUntil ? (
          <ActionButton
            label="Unlock sign-in"
            accessibleName={`Unlock sign-in for ${name}`}
            run={async () => {
              await client.people.unlock.mutate({ userId: person.userId });
              return `${name} can sign in again.`;
            }}
            failure={`${name}’s sign-in was not unlocked`}
            report={report}
          />
        ) : null}
        {powers.suspendAccounts && !isSelf ? (
          suspended ? (
            <ActionButton
              label="Reactivate account"
              accessibleName={`Reactivate account of ${name}`}
              run={async () => {
                await client.people.reactivateAccount.mutate({ userId: person.userId });
                return `${name}’s account is active again: they can sign in.`;
              }}
              failure={`${name}’s account was not reactivated`}
              report={report}
            />
          ) : (
            <ConfirmDialog
              triggerLabel="Suspend account"
              triggerName={`Suspend account of ${name}`}
              title={`Suspend ${name}’s account?`}
              confirmLabel="Suspend account"
              failure={`${name}’s account was not suspended`}
              report={report}
              run={async () => {
                const { sessionsEnded } = await client.people.suspendAccount.mutate({ userId: person.userId });
                return `${name}’s account is suspended${
                  sessionsEnded > 0 ? `: ${plural(sessionsEnded, "session")} ended` : ""
                }. They cannot sign in anywhere until it is reactivated.`;
              }}
            >
              {`${name} will be signed out everywhere and cannot sign in to any institution until the account is reactivated.`}
            </ConfirmDialog>
          )
        ) : null}
        {mayActAs ? <ActAsDialog person={person} /> : null}
      </div>
    </li>
  );
}

/** A button running one action; its outcome is reported above the list, and the list reloads. */
function ActionButton({
  label,
  accessibleName,
  run,
  failure,
  report,
}: {
  label: string;
  /** Starts with the visible label, then says whom it is for: many such buttons share a page. */
  accessibleName: string;
  /** Does it; answers what to tell the person. */
  run: () => Promise<string>;
  failure: string;
  report: PeopleReport;
}) {
  const action = useMutation({
    mutationFn: run,
    onSuccess: (message) => report.done(message),
    onError: (error) => report.failed(failure, error),
  });
  return (
    <Button
      className="button-small"
      aria-label={accessibleName}
      isPending={action.isPending}
      onPress={() => {
        if (!action.isPending) action.mutate();
      }}
    >
      {label}
    </Button>
  );
}
