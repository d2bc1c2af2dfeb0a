// The package's declarations (types/*.d.ts, made from the JSDoc by `npm run types`) cover every
// export of every module in `exports`: a function added to src/ without regenerating fails here.
// Whether the declarations type-check, with a program using them, is `tsc -p tsconfig.json`
// (the first step of `npm test`).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** The names a .d.ts file exports: declarations and `export { a, b as c } from` lists. */
function declaredNames(dts) {
  const names = new Set();
  for (const m of dts.matchAll(/^export (?:declare )?(?:function|class|const|let|var|type|interface) ([A-Za-z_$][\w$]*)/gm)) names.add(m[1]);
  for (const m of dts.matchAll(/^export \{([^}]*)\}/gm)) {
    for (const part of m[1].split(',')) {
      const name = part.trim().split(/\s+as\s+/).pop();
      if (name) names.add(name);
    }
  }
  return names;
}

test('package: installable, versioned with the protocol, every entry point with its declarations', async () => {
  assert.notEqual(pkg.private, true, 'not private');
  const { PROTOCOL_VERSION } = await import('../src/constants.js');
  assert.equal(Number(pkg.version.split('.')[0]), PROTOCOL_VERSION, 'the major version is the protocol version');
  assert.ok(pkg.files.includes('types/') && pkg.files.includes('src/'));
  assert.equal(pkg.types, pkg.exports['.'].types);
  for (const [entry, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    const mod = await import(new URL(`../${target.default}`, import.meta.url).href);
    const dts = readFileSync(new URL(`../${target.types}`, import.meta.url), 'utf8');
    const declared = declaredNames(dts);
    const missing = Object.keys(mod).filter((n) => !declared.has(n));
    assert.deepEqual(missing, [], `${entry}: exported by ${target.default} but not declared in ${target.types} (npm run types)`);
  }
});

test('package: typescript is pinned for the type check', () => {
  assert.match(pkg.devDependencies.typescript, /^\d+\.\d+\.\d+$/);
  assert.match(pkg.scripts.test, /^tsc -p tsconfig\.json && /);
});
