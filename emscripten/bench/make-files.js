#!/usr/bin/env node
// Writes the files the benchmark's nginx serves: DIR/NAME of SIZE bytes each, byte i being
// pattern[i % 65536] with pattern[j] = (j * 2654435761 mod 2^32) >> 24, the block the C clients
// (bench_posix_st.c) compare the HTTP bodies against.
//   usage: node make-files.js DIR NAME:SIZE...
'use strict';
const fs = require('fs');
const path = require('path');
const [dir, ...specs] = process.argv.slice(2);
if (!dir || specs.length === 0) { console.error('usage: node make-files.js DIR NAME:SIZE...'); process.exit(2); }
const block = Buffer.alloc(65536);
for (let j = 0; j < 65536; j++) block[j] = Math.imul(j, 2654435761) >>> 24;
for (const spec of specs) {
  const [name, size] = spec.split(':');
  const n = Number(size);
  if (!name || !(n >= 0) || n % 65536 !== 0) { console.error('make-files: NAME:SIZE with SIZE a multiple of 65536: ' + spec); process.exit(2); }
  const fd = fs.openSync(path.join(dir, name), 'w', 0o644);
  for (let off = 0; off < n; off += 65536) fs.writeSync(fd, block);
  fs.closeSync(fd);
}
