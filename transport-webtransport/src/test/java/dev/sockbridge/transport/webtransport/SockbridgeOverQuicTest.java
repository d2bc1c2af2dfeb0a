package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.client.PushListener;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.internal.SessionCore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sockbridge end to end over QUIC: a {@link SockbridgeProxy} serving {@code quic://} and {@code webtransport://},
 * clients in this JVM (a message-level driver, and {@link SockbridgeClient}), native TCP and UDP peers on loopback.
 *
 * <pre>
 *   SockbridgeDriver ══ QUIC (main stream + one stream per TCP socket + datagrams) ══▶ proxy ──▶ native peers
 * </pre>
 */
@Timeout(60)
class SockbridgeOverQuicTest {
    private static final int SOURCE_BYTES = 4 << 20;
    private static final int CLIENT_STREAM_WINDOW = 256 << 10;

    private static SockbridgeProxy proxy;
    private static final Map<String, QuicServerTransport> servers = new ConcurrentHashMap<>();
    private static final Map<String, URI> uris = new ConcurrentHashMap<>();
    private static NativePeers peers;
    private static final QuicTransportProvider provider = new QuicTransportProvider();

    @BeforeAll
    static void startProxy() throws Exception {
        proxy = QuicProxies.startBoth(o -> o.with(TransportOptions.HIGH_WATER_MARK, 256 << 10)
                .with(TransportOptions.LOW_WATER_MARK, 128 << 10), servers, uris);
        peers = new NativePeers(SOURCE_BYTES);
    }

    @AfterAll
    static void stopProxy() throws Exception {
        QuicProxies.stop(proxy, peers);
    }

    private static TransportOptions clientOptions(String scheme) {
        return QuicProxies.pinned(servers.get(scheme))
                .with(QuicTransportOptions.STREAM_WINDOW, CLIENT_STREAM_WINDOW);
    }

    private static SockbridgeDriver connect(String scheme) throws Exception {
        return SockbridgeDriver.connect(provider, uris.get(scheme), clientOptions(scheme));
    }

    private static byte[] pattern(int seed, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (seed * 31 + i * 13);
        }
        return b;
    }

    /** Sends {@code data} on a connected TCP socket and reads the same number of bytes back. */
    private static byte[] echo(SockbridgeDriver.Channel ch, int fd, byte[] data) throws Exception {
        assertEquals(data.length, ch.value(id -> new Request.Send(id, fd, 0, Unpooled.wrappedBuffer(data))));
        byte[] back = new byte[data.length];
        int got = 0;
        while (got < back.length) {
            int off = got;
            byte[] part = ch.data(id -> new Request.Recv(id, fd, back.length - off, 0));
            assertTrue(part.length > 0, "end of stream after " + got + " bytes");
            System.arraycopy(part, 0, back, got, part.length);
            got += part.length;
        }
        return back;
    }

    // ------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void eachTcpSocketOnItsOwnStreamAndAPeerThatStopsReadingStallsOnlyItsOwn(String scheme) throws Exception {
        try (SockbridgeDriver d = connect(scheme)) {
            SockbridgeDriver.Channel streamA = d.openStream();
            SockbridgeDriver.Channel streamB = d.openStream();
            int a = (int) streamA.value(id -> new Request.Socket(id, AF_INET, SOCK_STREAM, 0));
            // a small kernel send buffer, so that the stall shows after little data, as it would across a network
            streamA.ok(id -> new Request.SetSockOpt(id, a, Posix.SOL_SOCKET, SocketOption.SO_SNDBUF.optname(), 16384));
            streamA.ok(id -> new Request.Connect(id, a, peers.tcpSink));
            int b = (int) streamB.value(id -> new Request.Socket(id, AF_INET, SOCK_STREAM, 0));
            streamB.ok(id -> new Request.Connect(id, b, peers.tcpEcho));
            long sinkBefore = peers.sink.bytesRead();

            // socket A: its native peer reads nothing, the client sends 3 MiB without waiting
            int chunk = 64 << 10;
            int chunks = 48;
            List<CompletableFuture<Reply>> sends = new ArrayList<>();
            for (int i = 0; i < chunks; i++) {
                byte[] data = pattern(i, chunk);
                sends.add(streamA.callAsync(id -> new Request.Send(id, a, 0, Unpooled.wrappedBuffer(data))));
            }
            // socket B keeps echoing on its own stream meanwhile
            for (int i = 0; i < 50; i++) {
                byte[] data = pattern(1000 + i, 1024);
                assertArrayEquals(data, echo(streamB, b, data), "echo " + i + " on socket B");
            }
            long doneA = sends.stream().filter(CompletableFuture::isDone).count();
            System.out.println(scheme + ": socket A had " + doneA + " of " + chunks + " sends of 64 KiB answered while "
                    + "socket B echoed 50 times on its own stream");
            assertTrue(doneA < chunks, "socket A is held up by its peer (" + doneA + " of " + chunks
                    + " sends answered) while B echoed 50 times");

            // once the peer reads, every send of A completes and every byte arrives
            peers.releaseSink();
            for (CompletableFuture<Reply> f : sends) {
                Reply r = f.get(20, TimeUnit.SECONDS);
                assertEquals(chunk, SockbridgeDriver.expect(r, Reply.Value.class).value());
            }
            streamA.ok(id -> new Request.Close(id, a));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (peers.sink.bytesRead() - sinkBefore < (long) chunk * chunks && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals((long) chunk * chunks, peers.sink.bytesRead() - sinkBefore);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void pushedDataWaitsForItsOwnStreamWhileTheClientDoesNotReadItAndOtherStreamsGoOn(String scheme)
            throws Exception {
        try (SockbridgeDriver d = connect(scheme)) {
            SockbridgeDriver.Channel streamC = d.openStream();
            SockbridgeDriver.Channel streamB = d.openStream();
            int b = (int) streamB.value(id -> new Request.Socket(id, AF_INET, SOCK_STREAM, 0));
            streamB.ok(id -> new Request.Connect(id, b, peers.tcpEcho));
            int c = (int) streamC.value(id -> new Request.Socket(id, AF_INET, SOCK_STREAM, 0));
            streamC.ok(id -> new Request.Connect(id, c, peers.tcpSource)); // it sends 4 MiB at once
            streamC.ok(id -> new Request.Push(id, c, true, 1L << 40));
            streamC.transport.setAutoRead(false); // the client stops reading C's stream

            BlockingQueue<SockbridgeDriver.Received> events = d.events(c);
            Verifier verifier = new Verifier();
            for (int i = 0; i < 30; i++) {
                byte[] data = pattern(2000 + i, 4096);
                assertArrayEquals(data, echo(streamB, b, data), "echo " + i + " on socket B");
            }
            verifier.drain(events);
            long stalledAt = verifier.received;
            Thread.sleep(200);
            verifier.drain(events);
            assertEquals(stalledAt, verifier.received, "nothing more of C arrives while its stream is not read");
            assertTrue(stalledAt < SOURCE_BYTES, "C's data waits (" + stalledAt + " of " + SOURCE_BYTES + ")");
            System.out.println(scheme + ": socket C's stream not read: " + stalledAt + " of " + SOURCE_BYTES
                    + " bytes delivered while socket B echoed 30 times");

            streamC.transport.setAutoRead(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (verifier.received < SOURCE_BYTES && System.nanoTime() < deadline) {
                verifier.take(events);
            }
            assertEquals(SOURCE_BYTES, verifier.received, "every byte of C, in order");
            assertEquals(-1, verifier.firstMismatch);
            assertFalse(verifier.viaDatagram, "stream data never takes the datagram path");
        }
    }

    /** Checks pushed stream bytes against the source's pattern as they come. */
    private static final class Verifier {
        long received;
        long firstMismatch = -1;
        boolean viaDatagram;

        void drain(BlockingQueue<SockbridgeDriver.Received> q) {
            SockbridgeDriver.Received r;
            while ((r = q.poll()) != null) {
                accept(r);
            }
        }

        void take(BlockingQueue<SockbridgeDriver.Received> q) throws InterruptedException {
            SockbridgeDriver.Received r = q.poll(100, TimeUnit.MILLISECONDS);
            if (r != null) {
                accept(r);
                drain(q);
            }
        }

        private void accept(SockbridgeDriver.Received r) {
            viaDatagram |= r.viaDatagram();
            if (!(r.event() instanceof Event.Data)) {
                return;
            }
            ByteBuf data = ((Event.Data) r.event()).data();
            byte[] bytes;
            try {
                // one copy, not a getByte per byte: under paranoid leak detection every access of a pooled
                // buffer records a stack trace, and 4 MiB of those take minutes
                bytes = ByteBufUtil.getBytes(data);
            } finally {
                data.release();
            }
            for (byte b : bytes) {
                if (firstMismatch < 0 && b != NativePeers.sourceByte(received)) {
                    firstMismatch = received;
                }
                received++;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void udpSendtoAndPushedDataTravelAsDatagrams(String scheme) throws Exception {
        try (SockbridgeDriver d = connect(scheme)) {
            SockbridgeDriver.Channel main = d.main;
            int u = (int) main.value(id -> new Request.Socket(id, AF_INET, SOCK_DGRAM, 0));
            main.ok(id -> new Request.Bind(id, u, new InetSocketAddress("127.0.0.1", 0)));
            main.ok(id -> new Request.Push(id, u, true, 1 << 20));
            BlockingQueue<SockbridgeDriver.Received> events = d.events(u);

            int n = 100;
            int size = 200;
            List<byte[]> echoed = new ArrayList<>();
            int viaDatagram = 0;
            for (int i = 0; i < n; i++) {
                byte[] payload = pattern(i, size);
                payload[0] = (byte) i;
                assertTrue(d.sendToUnreliable(u, peers.udpEcho, payload), "datagram " + i + " taken");
                if (i % 10 == 9) { // a small window: bursts are what loses datagrams
                    SockbridgeDriver.Received r;
                    while ((r = events.poll(echoed.size() < i - 5 ? 200 : 1, TimeUnit.MILLISECONDS)) != null) {
                        viaDatagram += collect(r, echoed);
                    }
                }
            }
            SockbridgeDriver.Received r;
            while (echoed.size() < n && (r = events.poll(500, TimeUnit.MILLISECONDS)) != null) {
                viaDatagram += collect(r, echoed);
            }
            assertTrue(echoed.size() >= n * 9 / 10, "echoed " + echoed.size() + " of " + n);
            System.out.println(scheme + ": " + echoed.size() + " of " + n + " UDP echoes back, " + viaDatagram
                    + " of them as datagrams");
            assertEquals(echoed.size(), viaDatagram, "every echo came as a datagram");
            for (byte[] e : echoed) {
                byte[] expected = pattern(e[0] & 0xff, size);
                expected[0] = e[0];
                assertArrayEquals(expected, e);
            }

            // an event too large for one datagram takes the reliable path instead of being dropped
            byte[] big = pattern(7, main.transport.maxDatagramSize() + 100);
            main.value(id -> new Request.SendTo(id, u, 0, peers.udpEcho, Unpooled.wrappedBuffer(big)));
            SockbridgeDriver.Received large = events.poll(10, TimeUnit.SECONDS);
            assertTrue(large != null, "the large echo arrived");
            assertFalse(large.viaDatagram(), "on the main stream");
            Event.Data data = (Event.Data) large.event();
            assertArrayEquals(big, ByteBufUtil.getBytes(data.data()));
            Message.release(data);
        }
    }

    /** Adds a pushed datagram's payload; returns 1 if it came as a datagram. */
    private static int collect(SockbridgeDriver.Received r, List<byte[]> into) {
        Event.Data data = (Event.Data) r.event();
        assertEquals(peers.udpEcho, data.from());
        into.add(ByteBufUtil.getBytes(data.data()));
        Message.release(data);
        return r.viaDatagram() ? 1 : 0;
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void aSendtoTooLargeForOneDatagramFailsWithEmsgsizeAtTheClient(String scheme) throws Exception {
        try (SockbridgeDriver d = connect(scheme)) {
            int u = (int) d.main.value(id -> new Request.Socket(id, AF_INET, SOCK_DGRAM, 0));
            int max = d.main.transport.maxDatagramSize();
            assertTrue(max > 1000 && max < 1500, "datagram path of " + max + " bytes");
            SocketCallException e = assertThrows(SocketCallException.class,
                    () -> d.sendToUnreliable(u, peers.udpEcho, new byte[max]));
            assertEquals(Errno.EMSGSIZE, e.errno());
            assertTrue(d.sendToUnreliable(u, peers.udpEcho, new byte[max - 64]), "a payload that fits goes");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void datagramDropsShowInTheProxyStatsAndInTheSocketsOwnCounter(String scheme) throws Exception {
        try (SockbridgeDriver d = connect(scheme); DatagramSocket flood = new DatagramSocket(0,
                InetAddress.getLoopbackAddress())) {
            SockbridgeDriver.Channel main = d.main;
            int u = (int) main.value(id -> new Request.Socket(id, AF_INET, SOCK_DGRAM, 0));
            main.ok(id -> new Request.Bind(id, u, new InetSocketAddress("127.0.0.1", 0)));
            InetSocketAddress local = SockbridgeDriver.expect(
                    main.call(id -> new Request.GetSockName(id, u)), Reply.Address.class).address();
            assertEquals(0, dropped(main, u));
            long before = proxy.stats().datagramsDropped();

            // nobody receives on u: once its receive buffer (256 KiB) is full, the proxy drops the rest (paced, so
            // that the kernel's own buffer, whose drops nobody counts, does not overflow first). On a loaded machine
            // the kernel may still drop some while the proxy's loop waits for a CPU; what reaches the proxy stays
            // in u's buffer, so another round fills it further (at most 5 rounds of 600 KiB against 256 KiB).
            byte[] payload = new byte[1024];
            long n = 0;
            int sent = 0;
            for (int round = 0; round < 5 && n == 0; round++) {
                for (int i = 0; i < 600; i++) {
                    flood.send(new DatagramPacket(payload, payload.length, local));
                    sent++;
                    if (i % 10 == 9) {
                        Thread.sleep(1);
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                long last = -1;
                while (System.nanoTime() < deadline) {
                    long now = dropped(main, u);
                    if (now == last) { // settled: the flood has been read or dropped
                        break;
                    }
                    last = now;
                    Thread.sleep(200);
                }
                n = last;
            }
            assertTrue(n > 0, "the socket counted its drops: " + n);
            System.out.println(scheme + ": " + sent + " datagrams to a socket nobody reads: SB_DATAGRAMS_DROPPED = " + n
                    + ", proxy datagramsDropped +" + (proxy.stats().datagramsDropped() - before));
            assertTrue(proxy.stats().datagramsDropped() - before >= n, "and so did the proxy");

            // a fire-and-forget send the proxy refuses (the policy allows loopback only) is a drop of u too
            assertTrue(d.sendToUnreliable(u, new InetSocketAddress("192.0.2.1", 9), new byte[] {1}));
            long afterRefusal = n;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (dropped(main, u) == afterRefusal && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(afterRefusal + 1, dropped(main, u));
        }
    }

    private static long dropped(SockbridgeDriver.Channel ch, int fd) throws Exception {
        return ch.value(id -> new Request.GetSockOpt(id, fd, SessionCore.SOL_SOCKBRIDGE,
                SessionCore.SB_DATAGRAMS_DROPPED));
    }

    @ParameterizedTest
    @ValueSource(strings = {"quic", "webtransport"})
    void theJavaClientWorksOverQuicWithDatagrams(String scheme) throws Exception {
        SockbridgeClient client = SockbridgeClient.connect(uris.get(scheme), clientOptions(scheme))
                .get(20, TimeUnit.SECONDS);
        try {
            Transport t = client.transport();
            assertTrue(t.capabilities().contains(Transport.Capability.DATAGRAMS));
            assertEquals(scheme, t.scheme());
            int fd = client.socket(AF_INET, SOCK_STREAM, 0).get(10, TimeUnit.SECONDS);
            client.connect(fd, peers.tcpEcho).get(10, TimeUnit.SECONDS);
            byte[] hello = "hello over QUIC".getBytes(StandardCharsets.US_ASCII);
            assertEquals(hello.length, client.send(fd, hello).get(10, TimeUnit.SECONDS));
            assertArrayEquals(hello, client.recvBytes(fd, hello.length).get(10, TimeUnit.SECONDS));

            int u = client.socket(AF_INET, SOCK_DGRAM, 0).get(10, TimeUnit.SECONDS);
            client.bind(u, new InetSocketAddress("127.0.0.1", 0)).get(10, TimeUnit.SECONDS);
            BlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
            client.push(u, new PushListener() {
                @Override
                public void onData(int sock, ByteBuf data, InetSocketAddress from, int flags) {
                    got.add(ByteBufUtil.getBytes(data));
                }
            }, 1 << 20).get(10, TimeUnit.SECONDS);
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            byte[] back = null;
            for (int i = 0; i < 5 && back == null; i++) { // a datagram may be lost; one of five comes back
                assertTrue(client.sendToUnreliable(u, peers.udpEcho, ping));
                back = got.poll(1, TimeUnit.SECONDS);
            }
            assertArrayEquals(ping, back);
            assertTrue(client.stats().datagramsSent() > 0, "sent on the datagram path: " + client.stats());
        } finally {
            client.close();
        }
    }
}
