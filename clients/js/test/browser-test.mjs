#!/usr/bin/env node
// Loads the demo page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser download) and waits for #result to say PASS or FAIL. Prints the page's console and
// errors; exits 0 only on PASS.
//
//   node test/browser-test.mjs URL [--timeout MS] [--chromium PATH] [--screenshot FILE]
//
// URL is the demo page as the proxy serves it, e.g.
//   http://127.0.0.1:8080/demo/index.html?tcp=127.0.0.1:7001&udp=127.0.0.1:7002
// (?proxy=ws://... defaults to the page's own origin + /sockbridge). Exit codes: 0 PASS, 1 FAIL or
// timeout, 2 bad usage or the browser could not start.

import { chromium } from 'playwright-core';

function usage(msg) {
  if (msg) console.error(`browser-test: ${msg}`);
  console.error('usage: node test/browser-test.mjs URL [--timeout MS] [--chromium PATH] [--screenshot FILE]');
  process.exit(2);
}

const args = process.argv.slice(2);
let url = null;
let timeout = 60000;
let executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
let screenshot = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--timeout') timeout = Number(args[++i]);
  else if (a === '--chromium') executablePath = args[++i];
  else if (a === '--screenshot') screenshot = args[++i];
  else if (a === '-h' || a === '--help') usage();
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else if (url === null) url = a;
  else usage(`unexpected argument ${a}`);
}
if (!url) usage('no URL');
if (!Number.isFinite(timeout) || timeout <= 0) usage('bad --timeout');

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
let browser;
// Hard stop: whatever hangs (browser start, page load), the process ends.
const watchdog = setTimeout(() => {
  console.error(`browser-test: FAIL (no result in ${timeout + 15000} ms, stopping)`);
  browser?.close().catch(() => {});
  process.exit(1);
}, timeout + 15000);

let code = 1;
try {
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout: 30000,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    console.error(`browser-test: cannot start ${executablePath}: ${e.message}`);
    process.exit(2);
  }
  const page = await browser.newPage();
  page.on('console', (m) => console.log(`[page ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  page.on('requestfailed', (r) => console.log(`[request failed] ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) console.log(`[http ${r.status()}] ${r.url()}`); });

  console.log(`browser-test: loading ${url}`);
  await page.goto(url, { timeout: Math.min(timeout, 30000), waitUntil: 'load' });
  let result;
  try {
    await page.waitForFunction(() => {
      const t = document.getElementById('result')?.textContent ?? '';
      return t.startsWith('PASS') || t.startsWith('FAIL');
    }, null, { timeout, polling: 200 });
  } catch (e) {
    const now = await page.textContent('#result').catch(() => null);
    throw new Error(`no PASS or FAIL in #result within ${timeout} ms (it says '${now ?? 'nothing: no #result element'}')`, { cause: e });
  } finally {
    result = (await page.textContent('#result').catch(() => null)) ?? '(no #result element)';
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  }
  if (result.startsWith('PASS')) {
    console.log(`browser-test: PASS (${elapsed()})`);
    code = 0;
  } else {
    console.log(`browser-test: ${result} (${elapsed()})`);
  }
} catch (e) {
  console.log(`browser-test: FAIL ${e.message.split('\n')[0]} (${elapsed()})`);
} finally {
  await browser?.close().catch(() => {});
  clearTimeout(watchdog);
}
process.exit(code);
