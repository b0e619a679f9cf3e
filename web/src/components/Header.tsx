import { useEffect, useRef, useState } from 'preact/hooks';
import { focusFirstResult, SEARCH_INPUT_ID } from '../focus.js';
import type { Route } from '../lib/route.js';
import { searchHref, searchValues } from '../lib/route.js';
import { navigate } from '../router.js';
import { StatusBadge } from './StatusBadge.js';

const DEBOUNCE_MS = 150;

const NAV = [
  { href: '/', label: 'Search', route: 'search' },
  { href: '/topics', label: 'Topics', route: 'topics' },
  { href: '/map', label: 'Map', route: 'map' },
  { href: '/ask', label: 'Ask', route: 'ask' },
] as const;

export function Header({ route }: { route: Route }) {
  const urlQuery = route.name === 'search' ? (route.params.get('q') ?? '') : '';
  const [text, setText] = useState(urlQuery);
  const timer = useRef<number | undefined>(undefined);

  // Follow the URL (back button, topic links) unless the user is mid-typing.
  useEffect(() => {
    // Compare trimmed: committing "noisy " must not eat the space the user is still typing after.
    if (timer.current === undefined) setText((prev) => (prev.trim() === urlQuery ? prev : urlQuery));
  }, [urlQuery]);

  const commit = (value: string) => {
    window.clearTimeout(timer.current);
    timer.current = undefined;
    // On the search page keep the filters and refine in place; elsewhere start a new search entry.
    const onSearch = route.name === 'search';
    const base = onSearch ? searchValues(route.params) : {};
    navigate(searchHref({ ...base, q: value.trim() }), { replace: onSearch });
  };

  const onInput = (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setText(value);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => commit(value), DEBOUNCE_MS);
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' && focusFirstResult()) event.preventDefault();
    if (event.key === 'Escape' && text) {
      setText('');
      commit('');
    }
  };

  return (
    <header class="site-header">
      <a class="brand" href="/">
        <svg aria-hidden="true" width="22" height="22" viewBox="0 0 32 32">
          <circle cx="14" cy="14" r="8" fill="none" stroke="currentColor" stroke-width="3.5" />
          <path d="M20 20l7 7" stroke="currentColor" stroke-width="3.5" stroke-linecap="round" />
        </svg>
        Paperscope
      </a>
      <nav aria-label="Main">
        <ul class="nav">
          {NAV.map((item) => (
            <li key={item.href}>
              <a href={item.href} aria-current={route.name === item.route ? 'page' : undefined}>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {/* biome-ignore lint/a11y/useSemanticElements: <form role="search"> is the landmark every screen reader knows; <search> is too new to rely on. */}
      <form
        class="search-box"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          commit(text);
        }}
      >
        <label class="visually-hidden" for={SEARCH_INPUT_ID}>
          Search papers
        </label>
        <input
          id={SEARCH_INPUT_ID}
          type="search"
          placeholder="Search papers  ( / )"
          autocomplete="off"
          spellcheck={false}
          maxLength={500}
          value={text}
          onInput={onInput}
          onKeyDown={onKeyDown}
          aria-keyshortcuts="/"
        />
      </form>
      <StatusBadge />
    </header>
  );
}
