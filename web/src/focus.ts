/** Focus helpers shared by the header search box, the result lists and the global shortcuts. */
export const SEARCH_INPUT_ID = 'search-input';
export const RESULT_LINK = 'a[data-result-link]';

export function focusSearch(): void {
  const input = document.getElementById(SEARCH_INPUT_ID);
  if (input instanceof HTMLInputElement) {
    input.focus();
    input.select();
  }
}

/** Focus the first result link on the page; false when there is none. */
export function focusFirstResult(): boolean {
  const link = document.querySelector<HTMLElement>(RESULT_LINK);
  link?.focus();
  return link !== null;
}

/** Move focus `delta` links within `list`, staying at the ends; ArrowUp from the first goes back to the search box. */
export function moveResultFocus(list: HTMLElement, delta: number): void {
  const links = [...list.querySelectorAll<HTMLElement>(RESULT_LINK)];
  // Focus may sit on another control inside a card (topic chip, source link): count from that card.
  const active = document.activeElement;
  const current = links.findIndex((link) => link === active || (active !== null && link.closest('li')?.contains(active)));
  const next = current + delta;
  if (next < 0) {
    if (current === 0) focusSearch();
    return;
  }
  (links[Math.min(next, links.length - 1)] ?? links[0])?.focus();
}

/** True when a keystroke belongs to a text field and must not trigger a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}
