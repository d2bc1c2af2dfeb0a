// Native TCP and UDP echo servers on 127.0.0.1 (Node's net and dgram), for the tests that run
// against a real proxy.
import net from 'node:net';
import dgram from 'node:dgram';

/** TCP and UDP echo servers on 127.0.0.1; the TCP one ends its side when the client does. */
export async function echoServers({ tcpPort = 0, udpPort = 0 } = {}) {
  const tcp = net.createServer((s) => {
    s.on('error', () => {});
    s.pipe(s);
  });
  await new Promise((r) => tcp.listen(tcpPort, '127.0.0.1', r));
  const udp = dgram.createSocket('udp4');
  udp.on('message', (m, from) => udp.send(m, from.port, from.address));
  await new Promise((r) => udp.bind(udpPort, '127.0.0.1', r));
  return {
    tcp: `127.0.0.1:${tcp.address().port}`,
    udp: `127.0.0.1:${udp.address().port}`,
    close: () => { tcp.close(); udp.close(); },
  };
}
