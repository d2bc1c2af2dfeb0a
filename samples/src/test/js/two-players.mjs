#!/usr/bin/env node
// Two players of the game sample in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
// clients/js/node_modules; no browser download). alice's browser has WebTransport; bob's has it removed, as in a
// browser without it, so his page must fall back to WebSocket. Each must see the other move, and a chat line
// must go each way. Every wait is for a condition, bounded by the timeout. Prints the pages' console and the
// steps; ends with PASS (exit 0) or FAIL (exit 1).
//
//   node two-players.mjs PAGE_URL CLIENTS_JS_DIR [TIMEOUT_MS]
import { createRequire } from 'node:module';
import path from 'node:path';

const [url, clientDir, timeoutArg] = process.argv.slice(2);
const timeout = Number(timeoutArg ?? 60000);
const { chromium } = createRequire(path.resolve(clientDir, 'package.json'))('playwright-core');
const watchdog = setTimeout(() => {
  console.log(`FAIL: no result in ${timeout + 30000} ms`);
  process.exit(1);
}, timeout + 30000);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  timeout: 30000,
  // QUIC stays on (no --disable-quic): WebTransport needs it
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const wait = (page, fn, arg) => page.waitForFunction(fn, arg, { timeout, polling: 50 });
const playerAt = (page, name) => page.evaluate((n) => {
  const li = document.querySelector(`#players li[data-name="${n}"]`);
  return li ? { x: Number(li.dataset.x), y: Number(li.dataset.y) } : null;
}, name);

async function open(name, withoutWebTransport) {
  const page = await (await browser.newContext()).newPage();
  page.on('console', (m) => console.log(`[${name} ${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.log(`[${name} error] ${e.message}`));
  if (withoutWebTransport) await page.addInitScript(() => { delete globalThis.WebTransport; });
  await page.goto(`${url}?name=${name}`, { timeout });
  // connected (#net names the transport) and in the chat (the server said we joined)
  await wait(page, () => document.getElementById('net').dataset.transport);
  await wait(page, (n) => [...document.querySelectorAll('#chat li')].some((li) => li.textContent === `* ${n} joined`), name);
  return page;
}

/** `mover` holds `key` until `watcher` sees it `axis`-move by 3 ticks' worth or more. */
async function move(mover, moverName, key, watcher, watcherName, axis) {
  await wait(watcher, (n) => document.querySelector(`#players li[data-name="${n}"]`), moverName);
  const from = (await playerAt(watcher, moverName))[axis];
  await mover.keyboard.down(key);
  await wait(watcher, ([n, a, f]) => {
    const li = document.querySelector(`#players li[data-name="${n}"]`);
    return li && Math.abs(Number(li.dataset[a]) - f) >= 18;
  }, [moverName, axis, from]);
  await mover.keyboard.up(key);
  console.log(`${watcherName} saw ${moverName} move: ${axis} ${from} -> ${(await playerAt(watcher, moverName))[axis]}`);
}

async function say(from, fromName, to, toName, text) {
  await from.fill('#text', text);
  await from.press('#text', 'Enter');
  const line = `${fromName}: ${text}`;
  await wait(to, (l) => [...document.querySelectorAll('#chat li')].some((li) => li.textContent === l), line);
  console.log(`${toName} read "${line}"`);
}

let code = 1;
try {
  const alice = await open('alice', false);
  const bob = await open('bob', true);
  await move(alice, 'alice', 'ArrowRight', bob, 'bob', 'x');
  await move(bob, 'bob', 'ArrowDown', alice, 'alice', 'y');
  await say(alice, 'alice', bob, 'bob', 'hello from alice');
  await say(bob, 'bob', alice, 'alice', 'hi alice, bob here');
  for (const [name, page] of [['alice', alice], ['bob', bob]]) console.log(`${name}: ${await page.textContent('#net')}`);
  console.log('PASS');
  code = 0;
} catch (e) {
  console.log(`FAIL: ${e.message.split('\n')[0]}`);
} finally {
  await browser.close().catch(() => {});
  clearTimeout(watchdog);
}
process.exit(code);
