import { useStatus } from '../hooks.js';

/** "New" on a paper the latest fetch or sync added (`/api/status`'s `new_papers`). */
export function NewBadge({ id }: { id: string }) {
  const status = useStatus();
  const latest = status.state === 'ready' ? status.data.new_papers : null;
  if (!latest?.ids.includes(id)) return null;
  return (
    <span class="badge badge-new" title={`Added by the sync of ${latest.synced_at.slice(0, 16).replace('T', ' ')} UTC`} data-new>
      New
    </span>
  );
}
