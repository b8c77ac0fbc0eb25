/**
 * The few building blocks every LearnOps app shares. Each carries its own accessibility: landmarks, names,
 * live regions and visible focus come with the component, so a page built from them starts out passing axe.
 * Styles live in theme.css under the class names used here.
 */
import { type ReactNode, type RefObject, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { Button as AriaButton, type ButtonProps as AriaButtonProps } from "react-aria-components/Button";
import { describeApiError } from "./api-errors.ts";
import { brandStyle, brandTheme, type InstitutionBranding } from "./branding.ts";
import { AppLink } from "./navigation.tsx";

// ---------------------------------------------------------------------------------------------------------
// Page structure
// ---------------------------------------------------------------------------------------------------------

export interface AppShellProps {
  /** The app's name as its audience knows it, shown beside the product name: "Admin console". */
  appName: string;
  /** Where the product name links to: the app's start page. */
  homeHref: string;
  /**
   * The institution the app acts for. Its colours theme the whole document (header band, links, buttons,
   * focus rings, popovers included) and its logo or initials and name lead the header.
   */
  institution?: InstitutionBranding | null;
  /** The signed-in person's controls, under the band: see `AccountBar`. */
  account?: ReactNode;
  /** Above everything else in the header, on every page: see `ActingAsBanner`. */
  banner?: ReactNode;
  children: ReactNode;
}

/** Skip link, a header landmark naming the app, and the one `<main id="main">` the skip link lands on. */
export function AppShell({ appName, homeHref, institution, account, banner, children }: AppShellProps) {
  useBrandTheme(institution);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to main content
      </a>
      <header className="shell-header" data-branded={institution ? "" : undefined}>
        {banner}
        <div className="shell-brand">
          <div className="shell-header-inner">
            <AppLink className="shell-product" href={homeHref}>
              {institution ? (
                <>
                  <InstitutionMark institution={institution} />
                  <span className="shell-identity">
                    <span className="shell-institution">{institution.displayName}</span>
                    <span className="shell-app-name">LearnOps {appName}</span>
                  </span>
                </>
              ) : (
                <>
                  LearnOps <span className="shell-app-name">{appName}</span>
                </>
              )}
            </AppLink>
          </div>
        </div>
        {account ? (
          <div className="shell-account">
            <div className="shell-header-inner">{account}</div>
          </div>
        ) : null}
      </header>
      {/* tabIndex -1 lets the skip link move focus here, not only scroll. */}
      <main id="main" className="shell-main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/**
 * Sets an institution's theme on the document root, so everything inherits it, popovers and dialogs rendered
 * outside the app's tree included; without an institution the LearnOps defaults in theme.css apply. A layout
 * effect, so the first paint is already in the institution's colours.
 */
export function useBrandTheme(institution?: Pick<InstitutionBranding, "primaryColour" | "accentColour"> | null) {
  const primaryColour = institution?.primaryColour;
  const accentColour = institution?.accentColour;
  useLayoutEffect(() => {
    if (!primaryColour) return;
    const theme = brandTheme({ primaryColour, accentColour });
    const root = document.documentElement.style;
    for (const [name, value] of Object.entries(theme)) root.setProperty(name, value);
    return () => {
      for (const name of Object.keys(theme)) root.removeProperty(name);
    };
  }, [primaryColour, accentColour]);
}

/** The initials of an institution's name, for its mark when it has no logo: "Northwind Health Academy" is NH. */
export function initialsOf(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => Array.from(word)[0]?.toUpperCase() ?? "")
    .join("");
}

/** The institution's logo, or its initials on its colours. Decorative: its name is always written beside it. */
export function InstitutionMark({ institution }: { institution: InstitutionBranding }) {
  if (institution.logoUrl) return <img className="institution-mark" src={institution.logoUrl} alt="" />;
  return (
    <span className="institution-mark" data-initials="" aria-hidden="true">
      {initialsOf(institution.displayName)}
    </span>
  );
}

/** Sets the document's title while the component is shown: "Sign in · LearnOps Instructor review". */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}

export interface PageHeaderProps {
  title: ReactNode;
  lead?: ReactNode;
}

/** The page's one `<h1>` and a sentence saying what the page is for. */
export function PageHeader({ title, lead }: PageHeaderProps) {
  return (
    <div className="page-header">
      <h1>{title}</h1>
      {lead ? <p className="page-lead">{lead}</p> : null}
    </div>
  );
}

export interface CardProps {
  title: ReactNode;
  /** Heading level of the title; 2 under the page's `<h1>`. */
  headingLevel?: 2 | 3;
  description?: ReactNode;
  children?: ReactNode;
}

/** A titled section of a page; its heading names the region for assistive technology. */
export function Card({ title, headingLevel = 2, description, children }: CardProps) {
  const headingId = useId();
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section className="card" aria-labelledby={headingId}>
      <Heading id={headingId}>{title}</Heading>
      {description ? <p className="card-description">{description}</p> : null}
      {children}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------------------

export interface ButtonProps extends Omit<AriaButtonProps, "className"> {
  /** One primary action per view; everything else is secondary. `danger` confirms what cannot be undone. */
  variant?: "primary" | "secondary" | "danger";
  className?: string;
}

/**
 * react-aria announces a focused button going pending with a live message naming the button by id. When the
 * press replaces the button (a form by its outcome, a banner by nothing), that message would name nothing:
 * it has been read by then, so it goes. Watching the document rather than sweeping after a delay, because
 * react-aria adds the message late on a busy machine (it waits for its live region to exist).
 */
let watchingAnnouncements = false;

function removeDanglingAnnouncements() {
  for (const message of document.querySelectorAll("[data-live-announcer] [aria-labelledby]")) {
    const ids = (message.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean);
    if (ids.some((labelId) => !document.getElementById(labelId))) message.remove();
  }
}

function watchDanglingAnnouncements() {
  if (watchingAnnouncements || typeof MutationObserver === "undefined") return;
  watchingAnnouncements = true;
  new MutationObserver(removeDanglingAnnouncements).observe(document.body, { childList: true, subtree: true });
}

/** react-aria's Button: press, keyboard and pending handling that behave the same on every device. */
export function Button({ variant = "secondary", className, id, ...props }: ButtonProps) {
  const ownId = useId();
  const buttonId = id ?? ownId;
  useEffect(watchDanglingAnnouncements, []);
  return (
    <AriaButton
      {...props}
      id={buttonId}
      className={["button", `button-${variant}`, className].filter(Boolean).join(" ")}
    />
  );
}

// ---------------------------------------------------------------------------------------------------------
// Status, loading, error and empty states
// ---------------------------------------------------------------------------------------------------------

export interface StatusMessageProps {
  /** Nothing renders an empty region; it must exist before the message arrives for it to be announced. */
  children?: ReactNode;
  tone?: "neutral" | "positive";
}

/** A polite live region: screen readers announce its text when it changes, without moving focus. */
export function StatusMessage({ children, tone = "neutral" }: StatusMessageProps) {
  return (
    <div role="status" aria-live="polite" className="status-message" data-tone={tone}>
      {children}
    </div>
  );
}

export interface LoadingStateProps {
  /** What is loading, as a sentence: "Loading institutions…". */
  label: string;
}

export function LoadingState({ label }: LoadingStateProps) {
  return (
    <div role="status" className="loading-state">
      <span>{label}</span>
      <div className="loading-bar" aria-hidden="true" />
    </div>
  );
}

export interface ErrorStateProps {
  error: unknown;
  /** What failed: "Institutions could not be loaded". Without one, the API's message leads. */
  title?: string;
  /** Offered only when asking again could help. */
  onRetry?: () => void;
}

/** Says what failed, the API's message, and the request id to quote; offers to try again when that can help. */
export function ErrorState({ error, title, onRetry }: ErrorStateProps) {
  const { message, requestId, retryable } = describeApiError(error);
  return (
    <div role="alert" className="error-state">
      {title ? <p className="error-state-title">{title}</p> : null}
      <p className={title ? undefined : "error-state-title"}>{message}</p>
      {requestId ? (
        <p className="error-state-reference">
          Reference for support: <code>{requestId}</code>
        </p>
      ) : null}
      {onRetry && retryable ? (
        <div>
          <Button onPress={onRetry}>Try again</Button>
        </div>
      ) : null}
    </div>
  );
}

export interface EmptyStateProps {
  title: ReactNode;
  /** What to do next, or when something will appear. */
  children?: ReactNode;
}

export function EmptyState({ title, children }: EmptyStateProps) {
  return (
    <div className="empty-state">
      <p className="empty-state-title">{title}</p>
      {children ? <p className="empty-state-body">{children}</p> : null}
    </div>
  );
}

export interface StatusBadgeProps {
  tone: "positive" | "critical" | "neutral";
  /** The status in words: colour and shape only repeat it. */
  children: ReactNode;
}

export function StatusBadge({ tone, children }: StatusBadgeProps) {
  return (
    <span className="status-badge" data-tone={tone}>
      {children}
    </span>
  );
}

export interface StatusListItem {
  label: string;
  tone: StatusBadgeProps["tone"];
  /** The status in words: "Up", "Down". */
  value: string;
}

/** Named statuses as a description list: each label with its badge, one per row. */
export function StatusList({ items }: { items: readonly StatusListItem[] }) {
  return (
    <dl className="status-list">
      {items.map((item) => (
        <div key={item.label} className="status-list-row">
          <dt>{item.label}</dt>
          <dd>
            <StatusBadge tone={item.tone}>{item.value}</StatusBadge>
          </dd>
        </div>
      ))}
    </dl>
  );
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

/** A moment as the reader's local time of day, machine-readable in `dateTime`. */
export function TimeOfDay({ value }: { value: string }) {
  return <time dateTime={value}>{timeOfDay.format(new Date(value))}</time>;
}

export interface BrandSwatchProps {
  /** The partner colour in #rrggbb form. */
  colour: string;
}

/** A partner's colour as a small square. Decorative: the name or the hex code beside it carries the meaning. */
export function BrandSwatch({ colour }: BrandSwatchProps) {
  return <span className="brand-swatch" style={brandStyle(colour)} aria-hidden="true" />;
}

// ---------------------------------------------------------------------------------------------------------
// Data table
// ---------------------------------------------------------------------------------------------------------

export interface DataTableColumn<Row> {
  /** Stable key for React; the header text when unique is fine. */
  key: string;
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  /** Numbers align to the end so their digits line up. */
  align?: "start" | "end";
}

export interface DataTableProps<Row> {
  /** Names the table for everyone: shown above it and read first by screen readers. */
  caption: ReactNode;
  /** The first column heads each row (`<th scope="row">`). */
  columns: readonly DataTableColumn<Row>[];
  rows: readonly Row[];
  rowKey: (row: Row) => string;
}

/**
 * A plain semantic table: caption, column headers, row headers. On narrow screens it scrolls sideways inside
 * its own region, which then takes keyboard focus so it can be scrolled without a mouse.
 */
export function DataTable<Row>({ caption, columns, rows, rowKey }: DataTableProps<Row>) {
  const captionId = useId();
  const regionRef = useRef<HTMLDivElement>(null);
  const overflows = useHorizontalOverflow(regionRef);
  return (
    <div
      ref={regionRef}
      className="table-region"
      // Only a table that scrolls needs a named, focusable region; otherwise it would be a useless tab stop.
      {...(overflows ? { role: "region", "aria-labelledby": captionId, tabIndex: 0 } : {})}
    >
      <table className="data-table">
        <caption id={captionId}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.key} scope="col" data-align={column.align ?? "start"}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((column, index) =>
                index === 0 ? (
                  <th key={column.key} scope="row" data-align={column.align ?? "start"}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td key={column.key} data-align={column.align ?? "start"}>
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Whether the element's content is wider than the element, kept up to date as either changes size. */
function useHorizontalOverflow(ref: RefObject<HTMLElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => setOverflows(element.scrollWidth > element.clientWidth);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    if (element.firstElementChild) observer.observe(element.firstElementChild);
    return () => observer.disconnect();
  }, [ref]);
  return overflows;
}

/** A share as a small bar beside its figure in words (the bar only repeats the words), for dense tables. */
export function PercentMeter({ value, label }: { value: number; label: string }) {
  return (
    <span className="percent-meter">
      <span className="percent-meter-track" aria-hidden="true">
        <span className="percent-meter-fill" style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
      </span>
      <span>{label}</span>
    </span>
  );
}
