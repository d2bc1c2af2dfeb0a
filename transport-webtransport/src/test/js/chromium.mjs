// What the browser scripts share on the node side: Debian's headless Chromium (never a downloaded browser) in a
// fresh profile, a hard stop, and the one result line the JUnit test reads.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `drive(openPage, result)` in a headless Chromium (cfg.chromium), then prints `<tag> <result as JSON>` and
 * exits: 0, or 2 when the browser could not be driven (result.fatal), or 3 when cfg.timeoutMs passed first.
 * `openPage(url)` opens a page that logs its console to stderr.
 */
export async function driveChromium(name, tag, cfg, drive) {
  const hardStop = setTimeout(() => { console.error(name + ': hard timeout'); process.exit(3); }, cfg.timeoutMs);
  const userDataDir = mkdtempSync(join(tmpdir(), 'sockbridge-wt-chromium-'));
  let context;
  const result = {};
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: cfg.chromium,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      timeout: 30000,
    });
    const openPage = async (url) => {
      const page = await context.newPage();
      page.on('console', m => console.error('page console: ' + m.text()));
      await page.goto(url, { timeout: 15000 });
      return page;
    };
    await drive(openPage, result, context);
  } catch (e) {
    result.fatal = String(e && e.stack || e);
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
    clearTimeout(hardStop);
  }
  console.log(tag + ' ' + JSON.stringify(result));
  process.exit(result.fatal ? 2 : 0);
}
