// Loaded into a benchmark client with `node --require bench/cpu-hook.js` (bench.sh does). Defines
// globalThis.benchCpuMark(phase, units), called by the clients through bench_cpu.h:
//   phase null: snapshot the CPU times now;
//   otherwise: print the CPU used since the snapshot, per unit, as
//     BENCH cpu-PHASE units=U wall_ms=W proxy=P client=C server=S kernel=K
//   P, C, S: user + sys CPU ms of the proxy's process group ($BENCH_PROXY_PGID), of this node
//   process (every thread: process.cpuUsage() is process-wide) and of the target server's process
//   group ($BENCH_SERVER_PGID), each divided by U; K: the sys (kernel) part of the three, per U.
// Process groups rather than PIDs: the proxy runs under `timeout` in a group of its own, and
// websockify and nginx do their work in child processes. /proc counts in clock ticks
// ($BENCH_CLK_TCK, default 100), so a phase should last a good fraction of a second.
'use strict';
const fs = require('fs');
const TCK = Number(process.env.BENCH_CLK_TCK || 100);

// [user ms, sys ms] summed over the live processes of process group pgid
function groupCpu(pgid) {
  let user = 0, sys = 0;
  if (!pgid) return [0, 0];
  for (const d of fs.readdirSync('/proc')) {
    if (d.charCodeAt(0) < 48 || d.charCodeAt(0) > 57) continue;
    let s;
    try { s = fs.readFileSync('/proc/' + d + '/stat', 'latin1'); } catch (e) { continue; }
    const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    if (f[2] !== String(pgid)) continue;
    user += Number(f[11]) * 1000 / TCK;
    sys += Number(f[12]) * 1000 / TCK;
  }
  return [user, sys];
}

function snapshot() {
  const c = process.cpuUsage();
  return {
    t: performance.now(),
    client: [c.user / 1000, c.system / 1000],
    proxy: groupCpu(process.env.BENCH_PROXY_PGID),
    server: groupCpu(process.env.BENCH_SERVER_PGID),
  };
}

let start = null;
globalThis.benchCpuMark = function (phase, units) {
  if (!phase) { start = snapshot(); return; }
  if (!start || !(units > 0)) return;
  const end = snapshot();
  const d = (k, i) => end[k][i] - start[k][i];
  const per = (v) => (v / units).toFixed(3);
  console.log(`BENCH cpu-${phase} units=${units} wall_ms=${(end.t - start.t).toFixed(1)}` +
    ` proxy=${per(d('proxy', 0) + d('proxy', 1))} client=${per(d('client', 0) + d('client', 1))}` +
    ` server=${per(d('server', 0) + d('server', 1))} kernel=${per(d('proxy', 1) + d('client', 1) + d('server', 1))}`);
  start = null;
};
