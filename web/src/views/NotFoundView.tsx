import { Empty } from '../components/States.js';
import { useDocumentTitle } from '../hooks.js';

export function NotFoundView({ path }: { path: string }) {
  useDocumentTitle('Not found');
  return (
    <div>
      <h1>Page not found</h1>
      <Empty>
        <p>
          Nothing lives at <code>{path}</code>. <a href="/">Go to search</a>.
        </p>
      </Empty>
    </div>
  );
}
