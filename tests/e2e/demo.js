#!/usr/bin/env node
// Drives demo/ in headless Chromium for tests/integration/clients.rs (browser_demo):
//   node demo.js <page URL> <output dir>
// Prints, one per line on stdout:
//   POINTER <json>   the session pointer from the page's POST /session (network)
//   QR <file>        the rendered QR code as a binary greyscale PGM (the test decodes it)
//   DISCLOSED <text> the value the page shows once the session completes
// and writes <output dir>/demo.png (screenshot of the final page). Exits non-zero on any
// failure, after a screenshot <output dir>/demo-failed.png when a page exists.
// Only 127.0.0.1 is reachable from the page: other requests are aborted and logged.
'use strict';

const fs = require('fs');
const path = require('path');
const os = require('os');
const { chromium } = require('playwright-core');

const [pageUrl, outDir] = process.argv.slice(2);
if (!pageUrl || !outDir) {
  console.error('usage: node demo.js <page URL> <output dir>');
  process.exit(2);
}
const WAIT_MS = Number(process.env.E2E_WAIT_MS || 120000);

function loopback(url) {
  const u = new URL(url);
  if (u.protocol === 'data:' || u.protocol === 'blob:') return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

// The canvas as a greyscale PGM (P5), with a white border so the finder patterns stand free.
async function qrPgm(page) {
  const canvas = page.locator('canvas.yivi-web-qr-canvas');
  await canvas.waitFor({ state: 'visible', timeout: 30000 });
  const img = await canvas.evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const grey = [];
    for (let i = 0; i < d.data.length; i += 4) {
      // Transparent pixels are background.
      const a = d.data[i + 3] / 255;
      const y = 0.299 * d.data[i] + 0.587 * d.data[i + 1] + 0.114 * d.data[i + 2];
      grey.push(Math.round(y * a + 255 * (1 - a)));
    }
    return { width: c.width, height: c.height, grey };
  });
  const border = 16;
  const w = img.width + 2 * border;
  const h = img.height + 2 * border;
  const pixels = Buffer.alloc(w * h, 255);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      pixels[(y + border) * w + x + border] = img.grey[y * img.width + x];
    }
  }
  if (!img.grey.some((v) => v < 128)) throw new Error('the QR canvas is blank');
  return Buffer.concat([Buffer.from(`P5\n${w} ${h}\n255\n`), pixels]);
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'irma-e2e-chromium-'));
  // A fresh profile (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 900, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  let page;
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (loopback(url)) return route.continue();
      console.error(`blocked non-loopback request: ${url}`);
      return route.abort();
    });
    page = await context.newPage();
    page.on('console', (m) => console.error(`[page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));

    const started = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/session'),
      { timeout: 30000 }
    );
    await page.goto(pageUrl);
    const response = await started;
    if (response.status() !== 200) throw new Error(`POST /session answered ${response.status()}`);
    const pkg = await response.json();
    console.log(`POINTER ${JSON.stringify(pkg.sessionPtr)}`);

    const qrFile = path.join(outDir, 'qr.pgm');
    fs.writeFileSync(qrFile, await qrPgm(page));
    await page.screenshot({ path: path.join(outDir, 'demo-qr.png') });
    console.log(`QR ${qrFile}`);

    const result = page.locator('#result[data-value]');
    await result.waitFor({ state: 'attached', timeout: WAIT_MS });
    console.log(`DISCLOSED ${await result.getAttribute('data-value')}`);
    console.error(`page says: ${await result.textContent()}`);
    await page.screenshot({ path: path.join(outDir, 'demo.png') });
  } catch (e) {
    if (page) {
      console.error(`page text: ${await page.locator('body').innerText().catch(() => '?')}`);
      await page.screenshot({ path: path.join(outDir, 'demo-failed.png') }).catch(() => {});
    }
    throw e;
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`demo.js: ${e.stack || e}`);
  process.exit(1);
});
