// Debian's Chromium, headless, driven by playwright-core (no browser download): a page opened, a
// screenshot taken, and what its canvases show read back.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a closed network, as root in CI: no sandbox, no background connections, a fresh profile. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function withBrowser<T>(fn: (b: Browser) => Promise<T>): Promise<T> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

/** Per canvas: its size and how many of its pixels are close to each colour (#rrggbb). */
export type CanvasPixels = { id: string; width: number; height: number; counts: Record<string, number> };

export async function pageCanvases(b: Browser, url: string, colours: string[], screenshot: string): Promise<{ canvases: CanvasPixels[]; errors: string[]; requests: string[] }> {
  const page = await b.newPage({ viewport: { width: 1100, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url);
  await page.screenshot({ path: screenshot, fullPage: true });
  const canvases = await page.evaluate((hex: string[]) => {
    const rgb = hex.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
    return [...document.querySelectorAll('canvas')].map((c) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const counts: Record<string, number> = Object.fromEntries(hex.map((h) => [h, 0]));
      for (let p = 0; p < d.length; p += 4) {
        rgb.forEach(([r, g, bl], k) => {
          if (d[p + 3] > 200 && Math.abs(d[p] - r) < 24 && Math.abs(d[p + 1] - g) < 24 && Math.abs(d[p + 2] - bl) < 24) counts[hex[k]]++;
        });
      }
      return { id: c.id, width: c.width, height: c.height, counts };
    });
  }, colours);
  await page.close();
  return { canvases, errors, requests };
}
