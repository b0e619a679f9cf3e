import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type ExportFormat, isAbort } from '../api.js';
import { plural } from '../lib/format.js';

const FORMATS: Array<[ExportFormat, string]> = [
  ['bibtex', 'BibTeX'],
  ['ris', 'RIS'],
  ['csv', 'CSV'],
  ['jsonl', 'JSON Lines'],
];

/** Download links for the papers shown (the API's `format`), and a button that copies their BibTeX. */
export function ExportLinks({ url, count }: { url: (format: ExportFormat) => string; count: number }) {
  const [copied, setCopied] = useState<'idle' | 'copying' | 'copied' | string>('idle');
  const controller = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => controller.current?.abort(), []);

  const copy = async () => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setCopied('copying');
    try {
      await navigator.clipboard.writeText(await api.exportText(url('bibtex'), current.signal));
      setCopied('copied');
    } catch (error) {
      if (!isAbort(error)) setCopied(`Could not copy: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return (
    <p class="export">
      <button type="button" class="button button-small" onClick={copy} disabled={copied === 'copying'} data-copy-bibtex>
        Copy BibTeX
      </button>
      <span class="export-label">Export {plural(count, 'paper')}:</span>
      {FORMATS.map(([format, label]) => (
        <a key={format} class="export-link" href={url(format)} download data-export={format}>
          {label}
        </a>
      ))}
      <span class="export-status" role="status">
        {copied === 'copied' ? 'BibTeX copied' : copied === 'idle' || copied === 'copying' ? '' : copied}
      </span>
    </p>
  );
}
