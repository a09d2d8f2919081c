// CSV downloads from /exports: the routes need the Authorization header, which a plain
// link cannot send, so the file is fetched and handed to the browser as a blob.
import { authorization } from './session.js';

/** The file name from Content-Disposition (filename="…"), else the URL's last segment. */
export function fileNameOf(disposition: string | null, url: string): string {
  const match = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition) : null;
  if (match?.[1]) return decodeURIComponent(match[1]);
  return new URL(url, 'http://x').pathname.split('/').pop() || 'export.csv';
}

export async function downloadCsv(url: string, token: string | null): Promise<void> {
  const response = await fetch(url, { headers: authorization(token) });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `download failed: HTTP ${response.status}`);
  }
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.download = fileNameOf(response.headers.get('content-disposition'), url);
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
