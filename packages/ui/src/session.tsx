/**
 * Who is signed in, for every LearnOps app: `me.session` is the one source of truth, held in the query cache.
 * `SessionProvider` (mounted by `mountApp`) turns its changes into what the apps show: sign-in when it is null,
 * with a notice saying why when a session just ended (signed out, signed out everywhere, or expired: any
 * UNAUTHORIZED answer while signed in means the session is gone).
 */
import type { Role } from "@learnops/contracts/auth";
import type { MembershipView, SessionView } from "@learnops/contracts/me";
import { hashKey, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  createContext,
  lazy,
  type ReactNode,
  Suspense,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import { changePasswordHref } from "./account-links.ts";
import { apiErrorCode, describeApiError } from "./api-errors.ts";
import { useTRPC } from "./api-provider.tsx";
import { AppShell, Button, ErrorState, LoadingState, PageHeader, useDocumentTitle } from "./components.tsx";
import { AppLink, focusMainHeading, Redirect, usePathname } from "./navigation.tsx";
import { type SessionNotice, SignInFormFields, type SignInFormProps } from "./sign-in-form.tsx";

export type { SessionNotice };

// ---------------------------------------------------------------------------------------------------------
// Session state
// ---------------------------------------------------------------------------------------------------------

export type SessionState =
  | { status: "loading" }
  | { status: "error"; error: unknown; retry: () => void }
  | { status: "signedOut"; notice: SessionNotice | null }
  | { status: "signedIn"; session: SessionView };

interface SessionContextValue {
  state: SessionState;
  /** Puts the session a sign-in returned in place; focus then moves to the signed-in page's heading. */
  begin: (session: SessionView) => void;
  /** Forgets the session and everything loaded under it; the app shows sign-in with this message. */
  end: (notice: Pick<SessionNotice, "tone" | "message">) => void;
}

const SessionContext = createContext<SessionContextValue | null>(null);

const sessionEnded = { tone: "neutral", message: "Your session ended; sign in again." } as const;

/** Loads `me.session` and keeps the apps' picture of it true, whatever ends it. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessionKey = useMemo(() => trpc.me.session.queryKey(), [trpc]);
  const query = useQuery(trpc.me.session.queryOptions());
  const [notice, setNotice] = useState<SessionNotice | null>(null);
  // The session last seen, to notice it ending; whether the next one comes from the sign-in form.
  const lastSeen = useRef<SessionView | null>(null);
  const signingIn = useRef(false);

  const end = useCallback<SessionContextValue["end"]>(
    (next) => {
      const ending = queryClient.getQueryData(sessionKey);
      if (!ending) return; // nobody was signed in: a failed sign-in is the form's to explain
      setNotice({ ...next, institutionSlug: ending.activeMembership?.institution.slug ?? null });
      queryClient.setQueryData(sessionKey, null);
    },
    [queryClient, sessionKey],
  );

  const begin = useCallback<SessionContextValue["begin"]>(
    (session) => {
      signingIn.current = true;
      setNotice(null);
      queryClient.setQueryData(sessionKey, session);
    },
    [queryClient, sessionKey],
  );

  // Any procedure answering UNAUTHORIZED while someone is signed in: the session expired or was ended elsewhere.
  useEffect(() => {
    const onError = (error: unknown) => {
      if (apiErrorCode(error) === "UNAUTHORIZED") end(sessionEnded);
    };
    const stopQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") onError(event.action.error);
    });
    const stopMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") onError(event.action.error);
    });
    return () => {
      stopQueries();
      stopMutations();
    };
  }, [queryClient, end]);

  const data = query.data;
  useEffect(() => {
    if (data === undefined) return;
    const previous = lastSeen.current;
    lastSeen.current = data;
    if (data && !previous && signingIn.current) {
      signingIn.current = false;
      focusMainHeading();
    }
    if (!data && previous) {
      // A refetch can find the session gone (it expired while the tab slept): say so as for any ending.
      const institutionSlug = previous.activeMembership?.institution.slug ?? null;
      setNotice((current) => current ?? { ...sessionEnded, institutionSlug });
      // Nothing loaded for the person who was signed in stays in memory for whoever signs in next.
      const keep = hashKey(sessionKey);
      queryClient.removeQueries({ predicate: (cached) => cached.queryHash !== keep });
    }
  }, [data, queryClient, sessionKey]);

  const state: SessionState =
    data === undefined
      ? query.isError
        ? { status: "error", error: query.error, retry: () => void query.refetch() }
        : { status: "loading" }
      : data
        ? { status: "signedIn", session: data }
        : { status: "signedOut", notice };

  return <SessionContext value={{ state, begin, end }}>{children}</SessionContext>;
}

function useSessionContext(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession needs a SessionProvider above it (mountApp puts one there)");
  return value;
}

/** Whether anyone is signed in, and as whom; `signedOut` carries why when a session just ended. */
export function useSession(): SessionState {
  return useSessionContext().state;
}

/** `begin` after a sign-in, `end` after a sign-out: for the components that do either. */
export function useSessionChange(): Pick<SessionContextValue, "begin" | "end"> {
  const { begin, end } = useSessionContext();
  return { begin, end };
}

// ---------------------------------------------------------------------------------------------------------
// Words for roles and memberships
// ---------------------------------------------------------------------------------------------------------

const roleLabels: Record<Role, string> = {
  learner: "Learner",
  instructor: "Instructor",
  course_admin: "Course admin",
  support_agent: "Support agent",
  client_manager: "Client manager",
  platform_admin: "Platform admin",
};

/** A role as people say it: `course_admin` is "Course admin". */
export function roleLabel(role: Role): string {
  return roleLabels[role];
}

/** "Course admin, ACME Compliance Training"; says so when there is no membership to act in. */
export function membershipLabel(membership: MembershipView | null): string {
  return membership ? `${roleLabel(membership.role)}, ${membership.institution.displayName}` : "No institution chosen";
}

// ---------------------------------------------------------------------------------------------------------
// Account bar: who is signed in, as which membership, and the way out
// ---------------------------------------------------------------------------------------------------------

// The switcher brings react-aria's Select, popover and list box: loaded once someone is signed in.
const MembershipSwitcher = lazy(() => import("./membership-switcher.tsx"));

export interface AccountBarProps {
  session: SessionView;
  /** Where the app shows `SessionsPage`: "/teach/account/sessions". */
  sessionsHref: string;
  /** Where the app shows `ChangePasswordPage`: "/teach/account/password". */
  passwordHref: string;
}

/** The person's name, the membership they act in (and the switcher), their sessions and password, and Sign out. */
export function AccountBar({ session, sessionsHref, passwordHref }: AccountBarProps) {
  const trpc = useTRPC();
  const { end } = useSessionChange();
  const signOut = useMutation(
    trpc.auth.signOut.mutationOptions({
      onSuccess: (outcome) => {
        // Signed in by an institution's identity provider: it ends its own session too, then sends the
        // browser back to the sign-in page.
        if (outcome.singleLogoutUrl) window.location.assign(outcome.singleLogoutUrl);
        else end({ tone: "positive", message: "You signed out." });
      },
    }),
  );
  // UNAUTHORIZED means the session had already ended, which the provider says itself.
  const failure = signOut.isError && apiErrorCode(signOut.error) !== "UNAUTHORIZED" ? signOut.error : null;

  return (
    <div className="account-bar">
      <p className="account-person">
        <span className="visually-hidden">Signed in as </span>
        {session.user.displayName}
      </p>
      <div className="account-membership">
        <Suspense fallback={<p className="account-membership-text">{membershipLabel(session.activeMembership)}</p>}>
          <MembershipSwitcher session={session} />
        </Suspense>
      </div>
      <div className="account-links">
        <AppLink href={sessionsHref}>Your sessions</AppLink>
        {/* Acting as someone, the password is theirs: only they may change it. */}
        {session.actingAs ? null : <AppLink href={passwordHref}>Change password</AppLink>}
      </div>
      <div className="account-actions">
        <Button onPress={() => signOut.mutate()} isPending={signOut.isPending}>
          Sign out
        </Button>
      </div>
      {failure ? (
        <p role="alert" className="account-error">
          You are still signed in: {describeApiError(failure).message}
        </p>
      ) : null}
    </div>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Sign-in form and sessions page (its own chunk)
// ---------------------------------------------------------------------------------------------------------

const LazySessionsPage = lazy(() => import("./sessions-page.tsx"));
const LazyChangePasswordPage = lazy(() => import("./change-password-page.tsx"));

/** Email and password, with an error summary that takes focus and messages tied to each field. */
export function SignInForm(props: Omit<SignInFormProps, "onSignedIn">) {
  const { begin } = useSessionChange();
  return <SignInFormFields {...props} onSignedIn={begin} />;
}

/** Where the person is signed in, this device marked, and "Sign out everywhere" behind a confirmation. */
export function SessionsPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading your sessions…" />}>
      <LazySessionsPage />
    </Suspense>
  );
}

/** The current password and a new one twice; says that the person's other sessions were signed out. */
export function ChangePasswordPage() {
  return (
    <Suspense fallback={<LoadingState label="Loading…" />}>
      <LazyChangePasswordPage />
    </Suspense>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Support acting as someone
// ---------------------------------------------------------------------------------------------------------

const hourAndMinute = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

/**
 * While support acts as someone, a banner at the top of every page says so, as whom, why and until when, with
 * "Stop acting". It cannot be dismissed: whatever the page shows is the other person's. A polite status says
 * when acting starts or stops within the page; on a page opened while acting, the banner is the first thing
 * read. When the time runs out the API acts as the agent again, and the session is asked for afresh then.
 */
export function ActingAsBanner({ session }: { session: SessionView }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const sessionKey = useMemo(() => trpc.me.session.queryKey(), [trpc]);
  const actingAs = session.actingAs;
  const [announcement, setAnnouncement] = useState("");
  const previous = useRef<{ person: string; actingAs: SessionView["actingAs"] }>({
    person: session.user.displayName,
    actingAs,
  });

  const stop = useMutation(
    trpc.support.stopActing.mutationOptions({
      onSuccess: async (next) => {
        queryClient.setQueryData(sessionKey, next);
        focusMainHeading();
        // Everything loaded while acting was the other person's: load it again as the agent.
        await queryClient.invalidateQueries();
      },
    }),
  );

  useEffect(() => {
    const before = previous.current;
    previous.current = { person: session.user.displayName, actingAs };
    if (actingAs && before.actingAs?.expiresAt !== actingAs.expiresAt) {
      setAnnouncement(`You are now acting as ${session.user.displayName}.`);
    } else if (!actingAs && before.actingAs) {
      setAnnouncement(`You stopped acting as ${before.person}.`);
    }
  }, [actingAs, session.user.displayName]);

  const expiresAt = actingAs?.expiresAt;
  useEffect(() => {
    if (!expiresAt) return;
    const wait = Math.max(0, new Date(expiresAt).getTime() - Date.now()) + 1000;
    const timer = setTimeout(() => void queryClient.invalidateQueries({ queryKey: sessionKey }), wait);
    return () => clearTimeout(timer);
  }, [expiresAt, queryClient, sessionKey]);

  return (
    <>
      {actingAs ? (
        <section className="acting-as" aria-label="Support access">
          <div className="acting-as-inner">
            <p className="acting-as-text">
              <strong>You are acting as {session.user.displayName}</strong> for {actingAs.realUser.displayName} —
              reason: {actingAs.reason} — until{" "}
              <time dateTime={actingAs.expiresAt}>{hourAndMinute.format(new Date(actingAs.expiresAt))}</time>
            </p>
            <Button className="acting-as-stop" onPress={() => stop.mutate()} isPending={stop.isPending}>
              Stop acting
            </Button>
            {stop.isError && apiErrorCode(stop.error) !== "UNAUTHORIZED" ? (
              <p role="alert" className="acting-as-error">
                Still acting as {session.user.displayName}: {describeApiError(stop.error).message}
              </p>
            ) : null}
          </div>
        </section>
      ) : null}
      <p role="status" className="visually-hidden">
        {announcement}
      </p>
    </>
  );
}

// ---------------------------------------------------------------------------------------------------------
// A whole app behind sign-in
// ---------------------------------------------------------------------------------------------------------

const slugPattern = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The institution an older address like `/teach/?institution=lakeside-college` names: it now leads to that
 * institution's own sign-in page. Anything but a well-formed slug is ignored.
 */
function institutionFromQuery(): string | undefined {
  const slug = new URLSearchParams(window.location.search).get("institution");
  return slug && slugPattern.test(slug) ? slug : undefined;
}

/** The address of one partner institution's sign-in page in an app: `/teach/sign-in/lakeside-college`. */
export function partnerSignInHref(basePath: string, institutionSlug: string): string {
  return `${basePath}sign-in/${encodeURIComponent(institutionSlug)}`;
}

/** The institution whose sign-in page a path is (`<basePath>sign-in/<slug>`), or undefined. */
function partnerFromPath(path: string, basePath: string): string | undefined {
  const prefix = `${basePath}sign-in/`;
  if (!path.startsWith(prefix)) return undefined;
  const slug = path.slice(prefix.length);
  return slugPattern.test(slug) ? slug : undefined;
}

export interface SignedInAppProps {
  /** The app's name as its audience knows it: "Instructor review". */
  appName: string;
  /** Where the app is served from: `import.meta.env.BASE_URL`. */
  basePath: string;
  /** Under "Sign in": what signing in leads to. */
  signInLead: string;
  /**
   * The app's start page for the signed-in person; `<basePath>account/sessions` shows their sessions and
   * `<basePath>account/password` lets them change their password.
   */
  children: (session: SessionView) => ReactNode;
}

/**
 * The frame of an app used only signed in (instructor, admin): sign-in while nobody is, then the header with
 * the account bar, themed by the active membership's institution, around the start page or the sessions page.
 */
export function SignedInApp({ appName, basePath, signInLead, children }: SignedInAppProps) {
  const state = useSession();
  const sessionsHref = `${basePath}account/sessions`;
  const passwordHref = changePasswordHref(basePath);
  const path = usePathname().replace(/\/+$/, "");
  const partnerSlug = partnerFromPath(path, basePath);
  const page = partnerSlug
    ? "partnerSignIn"
    : path === sessionsHref
      ? "sessions"
      : path === passwordHref
        ? "password"
        : "home";
  const shell = { appName, homeHref: basePath };
  const querySlug = institutionFromQuery();

  switch (state.status) {
    case "loading":
      return (
        <AppShell {...shell}>
          <LoadingState label="Loading…" />
        </AppShell>
      );
    case "error":
      return (
        <AppShell {...shell}>
          <PageHeader title={`${appName} could not be opened`} />
          <ErrorState error={state.error} onRetry={state.retry} />
        </AppShell>
      );
    case "signedOut":
      // `?institution=<slug>` was the partner's sign-in address before each had its own page.
      if (querySlug && page !== "partnerSignIn") return <Redirect to={partnerSignInHref(basePath, querySlug)} />;
      if (partnerSlug)
        return (
          <PartnerSignIn
            appName={appName}
            basePath={basePath}
            slug={partnerSlug}
            lead={signInLead}
            notice={state.notice}
          />
        );
      // After signing in again, the start page: not the sessions page of the session that ended.
      if (page !== "home") return <Redirect to={basePath} />;
      return (
        <AppShell {...shell}>
          <SignInTitle appName={appName} />
          <SignInForm title="Sign in" lead={signInLead} notice={state.notice} />
        </AppShell>
      );
    case "signedIn":
      // Signed in on a partner's sign-in page (a password, or back from its identity provider): the start page.
      if (page === "partnerSignIn" || querySlug) return <Redirect to={basePath} />;
      return (
        <AppShell
          {...shell}
          institution={state.session.activeMembership?.institution}
          banner={<ActingAsBanner session={state.session} />}
          account={<AccountBar session={state.session} sessionsHref={sessionsHref} passwordHref={passwordHref} />}
        >
          {page === "sessions" ? (
            <SessionsPage />
          ) : page === "password" ? (
            <ChangePasswordPage />
          ) : (
            children(state.session)
          )}
        </AppShell>
      );
  }
}

/**
 * One partner institution's sign-in page in an app used signed in (`<basePath>sign-in/<slug>`): the app in
 * the institution's name, logo and colours, its "Sign in with …" single sign-on first, and the password form;
 * signing in here acts in the membership at that institution. As the learner portal's institution page does.
 */
function PartnerSignIn({
  appName,
  basePath,
  slug,
  lead,
  notice,
}: {
  appName: string;
  basePath: string;
  slug: string;
  lead: string;
  notice: SessionNotice | null;
}) {
  const trpc = useTRPC();
  const institution = useQuery(trpc.institutions.bySlug.queryOptions({ slug }));
  const name = institution.data?.displayName;
  useDocumentTitle(
    name
      ? `Sign in · ${name} · LearnOps ${appName}`
      : institution.isError
        ? `Institution could not be opened · LearnOps ${appName}`
        : `Sign in · LearnOps ${appName}`,
  );
  const shell = { appName, homeHref: basePath };
  if (institution.isPending)
    return (
      <AppShell {...shell}>
        <LoadingState label="Loading the institution…" />
      </AppShell>
    );
  if (institution.isError)
    return (
      <AppShell {...shell}>
        <PageHeader title="This institution could not be opened" />
        <ErrorState error={institution.error} onRetry={() => void institution.refetch()} />
        <p>
          Check the address you were given, or{" "}
          <AppLink href={basePath}>sign in without choosing an institution</AppLink>.
        </p>
      </AppShell>
    );
  return (
    <AppShell {...shell} institution={institution.data}>
      <SignInForm
        title={`Sign in to ${institution.data.displayName}`}
        lead={lead}
        institutionSlug={institution.data.slug}
        notice={notice}
      />
      <p className="sign-in-aside">
        Not with {institution.data.displayName}? <AppLink href={basePath}>Sign in without an institution</AppLink>
      </p>
    </AppShell>
  );
}

function SignInTitle({ appName }: { appName: string }) {
  useDocumentTitle(`Sign in · LearnOps ${appName}`);
  return null;
}
