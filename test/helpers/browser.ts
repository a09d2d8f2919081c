// Debian's Chromium driven by playwright-core, as the browser tests use it: no browser
// download, and no network beyond this machine.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
// CI installs Chromium (.ci/run): there, a missing browser is a failure, not a skip.
if (chromiumMissing && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run must install Debian's chromium`);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Headless, a fresh profile (playwright's defaults), and what works on this machine
    // kind: no sandbox as root, no background connections to Google's hosts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A context that refuses every address but 127.0.0.1 (so a CDN asset would be missing);
 * `onOffsite` hears each refused URL.
 */
export async function offlineContext(
  browser: Browser,
  options: BrowserContextOptions,
  onOffsite: (url: string) => void = () => undefined,
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => {
      onOffsite(route.request().url());
      return route.abort('internetdisconnected');
    },
  );
  return context;
}
