import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from './lib/route.js';

const CHANGE = 'paperscope:navigate';

/** Go to an app URL. `replace` is for refinements (typing, filters) that should not pile up in history. */
export function navigate(href: string, { replace = false } = {}): void {
  const current = location.pathname + location.search;
  if (href === current) return;
  if (replace) history.replaceState(null, '', href);
  else {
    history.pushState(null, '', href);
    scrollTo(0, 0);
  }
  dispatchEvent(new Event(CHANGE));
}

export function currentRoute(): Route {
  return parseRoute(location.pathname, location.search);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    addEventListener('popstate', update);
    addEventListener(CHANGE, update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener(CHANGE, update);
    };
  }, []);
  return route;
}

/**
 * Let ordinary <a href="/…"> elements navigate in-page. Modified clicks (new tab, download)
 * and links to other origins or to /api keep the browser's default behaviour.
 */
export function interceptLinks(root: Document): () => void {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
    // In-page anchors such as the skip link keep their native jump.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}
