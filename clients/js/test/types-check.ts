// Type-checked by `npm test` (tsc -p tsconfig.json, never run): a program using the package through
// its declarations, by its own name as an installer imports it. A declaration that goes missing or
// wrong (types/*.d.ts, made from the JSDoc by `npm run types`) fails here.

import {
  connect, connectBest, fetchWebTransportInfo, transportKindOf, Session, TcpSocket, UdpSocket, TcpListener,
  SockbridgeError, describeFailure, Posix, Errno, CloseCode, PROTOCOL_VERSION, SUBPROTOCOL, encodeMessage, decodeMessage,
  LengthPrefixedFramer, WebTransportTransport, MAIN_SEND_ORDER, datagramWriteApi, hasSendOrder, certificateHashes,
} from '@sockbridge/client';
import { encodeFrame, decodeFrame } from '@sockbridge/client/codec';
import { openWebSocket, WebSocketTransport } from '@sockbridge/client/transport';
import { openWebTransport, KEEPALIVE_DATAGRAM } from '@sockbridge/client/webtransport';

export async function example(): Promise<void> {
  const session: Session = await connect('ws://127.0.0.1:8080/sockbridge', { timeout: 5000 });
  const max: number = session.welcome.maxFrameSize;
  const sock: TcpSocket = await session.connect('127.0.0.1', 7, { window: 1 << 20, noDelay: true, sendOrder: 1 });
  const n: number = await sock.write(new Uint8Array(max > 0 ? 3 : 0));
  await sock.write('text');
  for await (const chunk of sock) {
    const c: Uint8Array = chunk;
    if (c.length > n) break;
  }
  const next: Uint8Array | null = await sock.read();
  if (next) await sock.end();
  const rs: ReadableStream<Uint8Array> = sock.readable;
  void rs;
  await sock.close();

  const udp: UdpSocket = await session.udp({ bind: '127.0.0.1:0', datagrams: 'auto' });
  const off = udp.onMessage((data: Uint8Array, from) => { void data; void from.host; void from.port; });
  const sent: number = await udp.sendTo(new Uint8Array(4), '127.0.0.1', 9);
  void sent;
  off();
  await udp.close();

  const listener: TcpListener = await session.listen({ port: 0 });
  const accepted: TcpSocket | null = await listener.accept();
  void accepted;
  await listener.close();

  const names: string[] = await session.resolve('localhost', { family: Posix.AF_INET });
  const reply: object = await session.call('getsockname', 3);
  void names; void reply;

  const best: Session = await connectBest({ webTransport: await fetchWebTransportInfo('/webtransport.json'), webSocket: 'ws://h/sockbridge' });
  const kind: string = best.transportKind;
  if (best.transport instanceof WebTransportTransport) {
    const f: { datagramWrite: 'createWritable' | 'writable' | 'none'; sendOrder: boolean } = best.transport.features;
    void f;
  }
  void kind;

  const why: SockbridgeError = await session.closed;
  const code: string = why.code;
  const errno: number | undefined = why.errno;
  void code; void errno;
  await session.close(CloseCode.NORMAL, 'bye');

  try {
    await connect('https://127.0.0.1:4433/sockbridge', { certificateHashes: ['AAAA'] });
  } catch (e) {
    if (e instanceof SockbridgeError) console.log(e.reason, e.closeCode);
    console.log(describeFailure(e));
  }

  const t: WebSocketTransport = await openWebSocket('ws://127.0.0.1:8080/sockbridge');
  t.close(1000, 'done');
  const wt: WebTransportTransport = await openWebTransport('https://127.0.0.1:4433/sockbridge', { certificateHashes: [] });
  wt.close();
  const bytes: Uint8Array = encodeMessage({ kind: 'CREDIT', fd: 3, bytes: 1024 });
  const m: object = decodeMessage(bytes);
  const frame: Uint8Array = encodeFrame([4, 3, 1024]);
  const wire: unknown[] = decodeFrame(frame);
  const framed: Uint8Array[] = new LengthPrefixedFramer().push(LengthPrefixedFramer.encode(frame));
  void m; void wire; void framed;
  const order: number = MAIN_SEND_ORDER;
  const api: 'createWritable' | 'writable' | 'none' = datagramWriteApi(null);
  const has: boolean = hasSendOrder(new WritableStream());
  const hashes: { algorithm: string; value: Uint8Array }[] = certificateHashes('AAAA');
  const ka: Uint8Array = KEEPALIVE_DATAGRAM;
  const which: 'webtransport' | 'websocket' = transportKind();
  void order; void api; void has; void hashes; void ka; void which;
  const v: number = PROTOCOL_VERSION + Errno.ECONNREFUSED;
  const sp: string = SUBPROTOCOL;
  void v; void sp;
}

function transportKind(): 'webtransport' | 'websocket' {
  return transportKindOf('ws://127.0.0.1:1/');
}
