#!/usr/bin/env node
// Loads the demo page in Debian's Firefox ESR or WebKitGTK and waits for #result to say PASS or FAIL;
// prints the page's log (#log, one "[page] ..." line each) and exits 0 only on PASS. Never downloads a
// browser or a driver:
//   firefox: /usr/bin/firefox-esr, headless, driven by puppeteer-core over WebDriver BiDi (no geckodriver);
//            every background service pointed at loopback or turned off by prefs (below)
//   webkit:  /usr/bin/WebKitWebDriver with MiniBrowser, driven by selenium-webdriver; needs a display,
//            so run it under xvfb-run
//
//   node engine-test.mjs --engine firefox|webkit URL [--timeout MS]
//
// Exit codes: 0 PASS, 1 FAIL or timeout, 2 bad usage or the browser could not start.

import { existsSync } from 'node:fs';

function usage(msg) {
  if (msg) console.error(`engine-test: ${msg}`);
  console.error('usage: node engine-test.mjs --engine firefox|webkit URL [--timeout MS]');
  process.exit(2);
}

const args = process.argv.slice(2);
let engine = null;
let url = null;
let timeout = 60000;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--engine') engine = args[++i];
  else if (a === '--timeout') timeout = Number(args[++i]);
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else if (url === null) url = a;
  else usage(`unexpected argument ${a}`);
}
if (!url) usage('no URL');
if (engine !== 'firefox' && engine !== 'webkit') usage('--engine firefox or webkit');
if (!Number.isFinite(timeout) || timeout <= 0) usage('bad --timeout');

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER || '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER || ['4.1', '4.0', '6.0']
  .map((v) => `/usr/lib/x86_64-linux-gnu/webkit2gtk-${v}/MiniBrowser`).find((p) => existsSync(p));

// Whatever Firefox would fetch by itself goes nowhere: a closed loopback port, or the feature is off.
const NOWHERE = 'http://127.0.0.1:9/';
const FIREFOX_PREFS = {
  'services.settings.server': NOWHERE, // remote settings
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.trr.mode': 5, // no DNS over HTTPS
  // the pages use IP literals only: any name Firefox looks up by itself resolves to loopback without a query
  'network.dns.forceResolve': '127.0.0.1',
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': NOWHERE,
  'browser.safebrowsing.provider.google4.updateURL': NOWHERE,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.server': NOWHERE,
  'toolkit.telemetry.archive.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'app.normandy.enabled': false,
  'app.normandy.api_url': NOWHERE,
  'app.shield.optoutstudies.enabled': false,
  'app.update.enabled': false,
  'app.update.auto': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'media.gmp-manager.url': NOWHERE,
  'media.gmp-gmpopenh264.enabled': false,
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  'security.remote_settings.intermediates.enabled': false,
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'browser.search.update': false,
  'geo.provider.network.url': '',
  'dom.push.connection.enabled': false,
  'dom.push.serverURL': '',
  'identity.fxaccounts.enabled': false,
  'browser.discovery.enabled': false,
  'browser.newtabpage.enabled': false,
  'browser.startup.page': 0,
  'browser.startup.homepage_override.mstone': 'ignore',
  'messaging-system.rsexperimentloader.enabled': false,
  'network.webtransport.enabled': true,
};

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const RESULT = "document.getElementById('result')?.textContent ?? ''";
const LOG = "document.getElementById('log')?.textContent ?? ''";
let stop = async () => {};
const watchdog = setTimeout(() => {
  console.error(`engine-test: FAIL (no result in ${timeout + 30000} ms, stopping)`);
  stop().finally(() => process.exit(1));
}, timeout + 30000);

/** Firefox: puppeteer-core over WebDriver BiDi. Returns [result, log]. */
async function firefox() {
  const { default: puppeteer } = await import('puppeteer-core');
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox', executablePath: FIREFOX, headless: true, protocol: 'webDriverBiDi',
      extraPrefsFirefox: FIREFOX_PREFS, timeout: 60000,
      // a release build takes services.settings.server only with this set
      env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
    });
  } catch (e) {
    console.error(`engine-test: cannot start ${FIREFOX}: ${e.message}`);
    process.exit(2);
  }
  stop = () => browser.close().catch(() => {});
  console.log(`engine-test: ${await browser.version()}`);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  await page.goto(url, { timeout: 30000, waitUntil: 'load' });
  try {
    await page.waitForFunction(`(${RESULT}).startsWith('PASS') || (${RESULT}).startsWith('FAIL')`,
      { timeout, polling: 200 });
  } finally {
    var result = await page.evaluate(RESULT).catch(() => '(no result)');
    var log = await page.evaluate(LOG).catch(() => '');
  }
  return [result, log];
}

/** WebKitGTK: WebKitWebDriver + MiniBrowser, selenium-webdriver. Returns [result, log]. */
async function webkit() {
  const { Builder, Capabilities } = await import('selenium-webdriver');
  const remote = await import('selenium-webdriver/remote/index.js');
  const portprober = await import('selenium-webdriver/net/portprober.js');
  if (!MINIBROWSER) {
    console.error('engine-test: no MiniBrowser (Debian package webkit2gtk-driver)');
    process.exit(2);
  }
  const port = await portprober.findFreePort('127.0.0.1');
  const service = new remote.DriverService(WEBKIT_DRIVER, { port, args: [`--port=${port}`, '--host=127.0.0.1'],
    hostname: '127.0.0.1' });
  let driver;
  try {
    const server = await service.start(30000);
    const caps = new Capabilities();
    caps.set('browserName', 'MiniBrowser');
    caps.set('webkitgtk:browserOptions', { binary: MINIBROWSER, args: ['--automation'] });
    driver = await new Builder().usingServer(server).withCapabilities(caps).build();
  } catch (e) {
    console.error(`engine-test: cannot start ${WEBKIT_DRIVER} with ${MINIBROWSER}: ${e.message}`);
    await service.kill().catch(() => {});
    process.exit(2);
  }
  stop = async () => {
    await driver.quit().catch(() => {});
    await service.kill().catch(() => {});
  };
  const caps = await driver.getCapabilities();
  console.log(`engine-test: ${caps.get('browserName')} ${caps.get('browserVersion')}`);
  await driver.get(url);
  try {
    await driver.wait(async () => {
      const t = await driver.executeScript(`return ${RESULT}`);
      return t.startsWith('PASS') || t.startsWith('FAIL');
    }, timeout, undefined, 200);
  } finally {
    var result = await driver.executeScript(`return ${RESULT}`).catch(() => '(no result)');
    var log = await driver.executeScript(`return ${LOG}`).catch(() => '');
  }
  return [result, log];
}

let code = 1;
try {
  console.log(`engine-test: ${engine}: loading ${url}`);
  const [result, log] = engine === 'firefox' ? await firefox() : await webkit();
  for (const line of log.split('\n')) {
    if (line) console.log(`[page] ${line}`);
  }
  console.log(result.startsWith('PASS') ? 'RESULT: PASS' : `RESULT: FAIL ${result}`);
  console.log(`engine-test: ${engine}: ${result.split('\n')[0]} (${elapsed()})`);
  code = result.startsWith('PASS') ? 0 : 1;
} catch (e) {
  console.log(`engine-test: FAIL ${e.message.split('\n')[0]} (${elapsed()})`);
} finally {
  await stop();
  clearTimeout(watchdog);
}
process.exit(code);
