import type { ComponentChildren } from 'preact';
import { moveResultFocus } from '../focus.js';

/** An ordered list whose result links can be walked with ArrowUp/ArrowDown (Enter follows the link). */
export function ResultList({ children, label, busy = false }: { children: ComponentChildren; label: string; busy?: boolean }) {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    moveResultFocus(event.currentTarget as HTMLElement, event.key === 'ArrowDown' ? 1 : -1);
  };
  return (
    <ol class={busy ? 'results is-busy' : 'results'} aria-label={label} aria-busy={busy} onKeyDown={onKeyDown}>
      {children}
    </ol>
  );
}
