/**
 * The address's query as React state, for sections whose filters, pages and open course live in it
 * (`/admin/courses?course=…`, `/admin/enrolments?status=active`): each view can be bookmarked, shared, and
 * left and re-entered with Back and Forward. `navigate()` from packages/ui tells only path listeners, so
 * changes of the query go through `goTo()` here.
 */
import { focusMainHeading, navigate } from "@learnops/ui/navigation";
import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from "react";

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

/** The query of the address shown now ("?status=draft"), re-rendering when it changes. */
export function useAddressSearch(): URLSearchParams {
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  return new URLSearchParams(search);
}

/** Shows `href` (path and query) and tells every reader of the query. */
export function goTo(href: string, options: { replace?: boolean } = {}): void {
  navigate(href, options);
  for (const listener of listeners) listener();
}

/** The current path with these parameters, leaving out empty ones. */
export function hrefWith(params: Record<string, string | null | undefined>, path = window.location.pathname): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const search = query.toString();
  return `${path}${search ? `?${search}` : ""}`;
}

/** A link within the app that may change only the query; modified clicks behave as for any link. */
export function AddressLink({ href, onClick, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  function follow(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0;
    if (event.defaultPrevented || modified || props.target) return;
    event.preventDefault();
    goTo(href);
    window.scrollTo(0, 0);
    focusMainHeading();
  }
  return <a {...props} href={href} onClick={follow} />;
}
