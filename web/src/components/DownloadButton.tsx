import { useState } from 'react';
import { downloadCsv } from '../lib/download.js';

/** A link to a CSV export; clicking fetches it with the token (the route needs it). */
export function DownloadButton({ url, token, label }: { url: string; token: string | null; label: string }) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  return (
    <span className="download">
      <a
        className="button"
        href={url}
        aria-busy={state.busy}
        onClick={(event) => {
          event.preventDefault();
          setState({ busy: true });
          downloadCsv(url, token).then(
            () => setState({ busy: false }),
            (error: unknown) => setState({ busy: false, error: error instanceof Error ? error.message : String(error) }),
          );
        }}
      >
        {label}
      </a>
      {state.error && (
        <span className="error" role="alert">
          {state.error}
        </span>
      )}
    </span>
  );
}
