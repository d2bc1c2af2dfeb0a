#!/usr/bin/env node
// Native TCP and UDP echo servers on 127.0.0.1 for trying the demo by hand:
//   node test/echo-servers.mjs [--tcp PORT] [--udp PORT] [--seconds N]
// prints one line, {"tcp":"127.0.0.1:P","udp":"127.0.0.1:Q"}, and runs N seconds (default 600).
import { echoServers } from './echo.js';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const servers = await echoServers({ tcpPort: arg('tcp', 0), udpPort: arg('udp', 0) });
console.log(JSON.stringify({ tcp: servers.tcp, udp: servers.udp }));
setTimeout(() => { servers.close(); process.exit(0); }, arg('seconds', 600) * 1000);
