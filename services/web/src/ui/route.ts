import { useEffect, useState } from 'preact/hooks';

/** What is selected, kept in the URL's hash (`#/c/{id}`, `#/c/{id}/t/{id}`): links, Back, reload. */
export interface Route {
  communityId: string | null;
  threadId: string | null;
}

const ROUTE = /^#\/c\/([0-9a-f]{24})(?:\/t\/([0-9a-f]{24}))?$/;

export function parseRoute(hash: string): Route {
  const match = ROUTE.exec(hash);
  return { communityId: match?.[1] ?? null, threadId: match?.[2] ?? null };
}

export function communityHref(communityId: string): string {
  return `#/c/${communityId}`;
}

export function threadHref(communityId: string, threadId: string): string {
  return `#/c/${communityId}/t/${threadId}`;
}

export const HOME_HREF = '#/';

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function navigate(href: string): void {
  window.location.hash = href;
}
