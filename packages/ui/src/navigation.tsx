/**
 * Client-side navigation for apps with a handful of pages: the current path as React state, `navigate()` to
 * change it, and `AppLink` for links that change page without reloading (the session and everything loaded
 * stay in memory). A router library would cost more than it saves.
 */
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useSyncExternalStore } from "react";

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

/** The path of the page shown now; components re-render when it changes. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** Shows the page at `href`; `replace` keeps the browser's Back from returning to the page left. */
export function navigate(href: string, { replace = false }: { replace?: boolean } = {}): void {
  if (href === `${window.location.pathname}${window.location.search}`) return;
  if (replace) window.history.replaceState(null, "", href);
  else window.history.pushState(null, "", href);
  for (const listener of listeners) listener();
}

// Each call supersedes the ones before it: only the latest navigation's heading may take focus.
let focusRequest = 0;

/**
 * Moves keyboard and screen-reader focus to the page's `<h1>` (or the main landmark while a page is still
 * loading), as a full page load would put the reader at the top: after client-side navigation, sign-in or
 * sign-out, focus would otherwise stay on an element that no longer exists.
 *
 * While it waits for the heading, the page may put focus somewhere on purpose (a notice saying the session
 * ended, an error summary): focus then stays there. Only focus still where it was when this was called, or
 * lost with a removed element, is moved.
 */
export function focusMainHeading(): void {
  focusRequest += 1;
  const request = focusRequest;
  const startedOn = document.activeElement;
  const movedElsewhere = () => {
    const now = document.activeElement;
    return now !== null && now !== startedOn && now !== document.body;
  };
  // A page loaded as its own chunk has no heading for a moment: wait for it, for about half a second at most.
  let framesLeft = 30;
  const attempt = () => {
    if (request !== focusRequest || movedElsewhere()) return;
    const heading = document.querySelector<HTMLElement>("main h1");
    if (!heading && framesLeft > 0) {
      framesLeft -= 1;
      requestAnimationFrame(attempt);
      return;
    }
    const target = heading ?? document.getElementById("main");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  };
  requestAnimationFrame(attempt);
}

export type AppLinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { href: string };

/** A plain link that changes page in place; modified clicks (new tab, download) behave as for any link. */
export function AppLink({ href, onClick, ...props }: AppLinkProps) {
  function follow(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    const modified = event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0;
    if (event.defaultPrevented || modified || props.target) return;
    event.preventDefault();
    navigate(href);
    window.scrollTo(0, 0);
    focusMainHeading();
  }
  return <a {...props} href={href} onClick={follow} />;
}

/** Replaces the address with `to` once rendered: for a page that exists only in another state (signed in or out). */
export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
