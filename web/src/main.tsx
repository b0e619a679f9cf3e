import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Header } from './components/Header.js';
import { focusSearch, isTyping } from './focus.js';
import { interceptLinks, useRoute } from './router.js';
import { AskView } from './views/AskView.js';
import { MapView } from './views/MapView.js';
import { NotFoundView } from './views/NotFoundView.js';
import { PaperView } from './views/PaperView.js';
import { SearchView } from './views/SearchView.js';
import { TopicsView } from './views/TopicsView.js';
import './styles.css';

function App() {
  const route = useRoute();

  useEffect(() => interceptLinks(document), []);

  // `/` jumps to the search box from anywhere except while typing in another field.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
      event.preventDefault();
      focusSearch();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header route={route} />
      <main id="main" tabIndex={-1}>
        {route.name === 'search' ? (
          <SearchView params={route.params} />
        ) : route.name === 'paper' ? (
          <PaperView key={route.id} id={route.id} />
        ) : route.name === 'topics' ? (
          <TopicsView />
        ) : route.name === 'map' ? (
          <MapView query={route.query} />
        ) : route.name === 'ask' ? (
          <AskView question={route.question} />
        ) : (
          <NotFoundView path={route.path} />
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
