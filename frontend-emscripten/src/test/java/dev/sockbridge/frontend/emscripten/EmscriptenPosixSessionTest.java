package dev.sockbridge.frontend.emscripten;

import static dev.sockbridge.frontend.emscripten.EmClient.B.req;
import static dev.sockbridge.frontend.emscripten.EmClient.hex;
import static dev.sockbridge.frontend.emscripten.EmClient.sin;
import static dev.sockbridge.frontend.emscripten.EmClient.sin6;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.frontend.emscripten.EmClient.B;
import dev.sockbridge.frontend.emscripten.EmClient.Rep;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Emscripten PROXY_POSIX_SOCKETS front end, byte by byte: each request is built exactly as the
 * 3.1.6 client lays it out ({@code shared/emscripten-protocol.md}, A2) and run through a real
 * proxy against real sockets on 127.0.0.1; each reply is checked against the layout and minimum
 * size the client parses.
 */
@Timeout(60)
class EmscriptenPosixSessionTest extends EmscriptenTestBase {
    // Emscripten (WASI) errno numbers, as the program compares them
    static final int EACCES = 2, EAFNOSUPPORT = 5, EAGAIN = 6, EALREADY = 7, EBADF = 8, ECONNREFUSED = 14, EDOM = 18,
            EINPROGRESS = 26, EINVAL = 28, EISCONN = 30, ENOPROTOOPT = 50, ENOSYS = 52, ENOTCONN = 53,
            EOPNOTSUPP = 138, ESOCKTNOSUPPORT = 137;
    static final int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800,
            SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, IPPROTO_TCP = 6, MSG_DONTWAIT = 0x40;
    static final int SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_RCVBUF = 8, SO_LINGER = 13, SO_RCVTIMEO = 66,
            TCP_NODELAY = 1;

    URI uri;
    EmClient c;

    @BeforeEach
    void connect() throws Exception {
        uri = posixServer();
        c = posixClient(uri);
    }

    // ------------------------------------------------------------------ request builders (A2.2)

    static byte[] socketReq(int id, int domain, int type, int proto) {
        return req(id, 1).i32(domain).i32(type).i32(proto).build();
    }

    static byte[] addrReq(int id, int op, int h, byte[] addr) {
        return req(id, op).i32(h).i32(addr.length).bytes(addr).build();
    }

    static byte[] sendReq(int id, int h, byte[] data, int flags) {
        return req(id, 10).i32(h).i32(data.length).i32(flags).bytes(data).build();
    }

    static byte[] recvReq(int id, int h, int len, int flags) {
        return req(id, 11).i32(h).i32(len).i32(flags).build();
    }

    static byte[] sendtoReq(int id, int h, byte[] data, int flags, byte[] addr) {
        return req(id, 12).i32(h).i32(data.length).i32(flags).i32(addr.length).bytes(addr).zeros(256 - addr.length)
                .bytes(data).build();
    }

    static byte[] recvfromReq(int id, int h, int len, int flags, int addrLen) {
        return req(id, 13).i32(h).i32(len).i32(flags).i32(addrLen).build();
    }

    static byte[] getsockoptReq(int id, int h, int level, int name, int optLen) {
        return req(id, 16).i32(h).i32(level).i32(name).i32(optLen).build();
    }

    static byte[] setsockoptReq(int id, int h, int level, int name, byte[] value) {
        return req(id, 17).i32(h).i32(level).i32(name).i32(value.length).bytes(value).build();
    }

    static byte[] intVal(int v) {
        return new B().i32(v).build();
    }

    static byte[] gaiReq(int id, String node, String service, boolean hints, int flags, int family, int socktype, int proto) {
        return req(id, 18).str(node, 2048).str(service, 128).i32(hints ? 1 : 0).i32(flags).i32(family).i32(socktype)
                .i32(proto).build();
    }

    int socket(int domain, int type) throws Exception {
        Rep r = c.call(socketReq(c.nextId(), domain, type, 0));
        assertTrue(r.ret() > 100, () -> "socket: " + r);
        return r.ret();
    }

    int tcpConnected(int port) throws Exception {
        int h = socket(AF_INET, SOCK_STREAM);
        Rep r = c.call(addrReq(c.nextId(), 5, h, sin("127.0.0.1", port)));
        assertEquals(0, r.ret(), () -> "connect: " + r);
        return h;
    }

    byte[] recvExactly(int h, int n) throws Exception {
        ByteBuffer got = ByteBuffer.allocate(n);
        while (got.hasRemaining()) {
            Rep r = c.call(recvReq(c.nextId(), h, got.remaining(), 0));
            assertTrue(r.ret() > 0, () -> "recv: " + r);
            assertEquals(12 + r.ret(), r.len());
            got.put(r.slice(12, r.ret()));
        }
        return got.array();
    }

    static String le(int v) {
        return hex(new B().i32(v).build());
    }

    // ------------------------------------------------------------------ SOCKET, SOCKETPAIR

    @Test
    void socketAnswersTwelveBytesWithAHandleAboveTheOffset() throws Exception {
        Rep r = c.call(socketReq(1, AF_INET, SOCK_STREAM, 0));
        // callId 1 | ret = first engine fd 3 + 100 | errno 0
        assertEquals("01000000" + "67000000" + "00000000", r.hex());
        Rep r2 = c.call(socketReq(2, AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 17));
        assertEquals("02000000" + "68000000" + "00000000", r2.hex());
    }

    @Test
    void socketErrorsUseEmscriptenErrnoNumbers() throws Exception {
        c.call(socketReq(7, AF_UNIX, SOCK_STREAM, 0)).fails(-1, EAFNOSUPPORT, 12);
        c.call(socketReq(8, AF_INET, 3 /* SOCK_RAW */, 0)).fails(-1, ESOCKTNOSUPPORT, 12);
        assertEquals("09000000" + "ffffffff" + "05000000", c.call(socketReq(9, AF_UNIX, 1, 0)).hex());
    }

    @Test
    void callIdZeroAndRepeatedIdsAreAnsweredUnderTheClientsId() throws Exception {
        // the engine reserves id 0 for fire-and-forget: the front end must not pass client ids through
        assertEquals("00000000" + "67000000" + "00000000", c.call(socketReq(0, AF_INET, SOCK_STREAM, 0)).hex());
        Rep a = c.call(socketReq(-5, AF_INET, SOCK_STREAM, 0));
        assertEquals(-5, a.id());
        assertEquals(104, a.ret());
    }

    @Test
    void socketpairAnswersTwentyBytesEvenOnError() throws Exception {
        Rep r = c.call(req(3, 2).i32(AF_UNIX).i32(SOCK_STREAM).i32(0).build());
        assertEquals(20, r.len());
        assertEquals("03000000" + "00000000" + "00000000", hex(r.slice(0, 12)));
        int a = r.i32(12), b = r.i32(16);
        assertTrue(a > 100 && b > 100 && a != b, r::hex);
        assertEquals(4, c.call(sendReq(4, a, "ping".getBytes(), 0)).ret());
        assertEquals("05000000" + "04000000" + "00000000" + hex("ping".getBytes()), c.call(recvReq(5, b, 16, 0)).hex());
        // not AF_UNIX: still 20 bytes, or the client would drop the reply and hang
        c.call(req(6, 2).i32(AF_INET).i32(SOCK_STREAM).i32(0).build()).fails(-1, EOPNOTSUPP, 20);
    }

    // ------------------------------------------------------------------ CONNECT, SEND, RECV

    @Test
    void tcpEchoLikeUpstreamTcpEchoClient() throws Exception {
        int h = socket(AF_INET, SOCK_STREAM);
        byte[] connect = req(10, 5).i32(h).i32(16).bytes(sin("127.0.0.1", peers.echoPort())).build();
        assertEquals(32, connect.length);
        assertEquals("0a000000" + "00000000" + "00000000", c.call(connect).hex());
        for (int i = 0; i < 10; i++) {
            int id = 100 + 2 * i;
            byte[] send = sendReq(id, h, "hell".getBytes(), 0);
            assertEquals(24, send.length);
            assertEquals(le(id) + "04000000" + "00000000", c.call(send).hex());
            assertArrayEquals("hell".getBytes(), recvExactly(h, 4));
        }
    }

    @Test
    void connectFailuresCarryEmscriptenErrno() throws Exception {
        int h = socket(AF_INET, SOCK_STREAM);
        c.call(addrReq(1, 5, h, sin("127.0.0.1", NativePeers.closedPort()))).fails(-1, ECONNREFUSED, 12);
        // the policy (loopback only) refuses other targets
        int h2 = socket(AF_INET, SOCK_STREAM);
        c.call(addrReq(2, 5, h2, sin("10.255.255.1", 80))).fails(-1, EACCES, 12);
        // sockaddr_un: not supported; an 8-byte sockaddr_in: invalid
        c.call(req(3, 5).i32(h2).i32(110).i32(AF_UNIX).zeros(106).build()).fails(-1, EAFNOSUPPORT, 12);
        c.call(req(4, 5).i32(h2).i32(8).bytes(new byte[] {2, 0, 0, 80, 127, 0, 0, 1}).build()).fails(-1, EINVAL, 12);
        // handles that were never given out
        c.call(addrReq(5, 5, 4242, sin("127.0.0.1", 80))).fails(-1, EBADF, 12);
        c.call(addrReq(6, 5, 0, sin("127.0.0.1", 80))).fails(-1, EBADF, 12);
    }

    @Test
    void ipv6ConnectUsesTheTwentyEightByteSockaddr() throws Exception {
        try (java.net.ServerSocket v6 = new java.net.ServerSocket()) {
            try {
                v6.bind(new InetSocketAddress("::1", 0));
            } catch (java.io.IOException e) {
                org.junit.jupiter.api.Assumptions.assumeTrue(false, "no IPv6 loopback here");
            }
            int h = socket(AF_INET6, SOCK_STREAM);
            assertEquals(0, c.call(addrReq(1, 5, h, sin6("::1", v6.getLocalPort()))).ret());
            try (Socket s = v6.accept()) {
                assertEquals(3, c.call(sendReq(2, h, "v6!".getBytes(), 0)).ret());
                byte[] b = s.getInputStream().readNBytes(3);
                assertEquals("v6!", new String(b));
                // getpeername: 28-byte sockaddr_in6 of ::1
                Rep r = c.call(req(3, 9).i32(h).i32(256).build());
                assertEquals(16 + 28, r.len());
                assertEquals(28, r.i32(12));
                assertEquals(hex(sin6("::1", v6.getLocalPort())), hex(r.slice(16, 28)));
            }
        }
    }

    @Test
    void sendCarriesOnlyTheBytesPresentAndLargeTransfersSurvive() throws Exception {
        int h = tcpConnected(peers.echoPort());
        // length field says 10, only 3 bytes follow: 3 are sent (as the reference proxy does)
        Rep r = c.call(req(1, 10).i32(h).i32(10).i32(0).bytes("abc".getBytes()).build());
        assertEquals(3, r.ret());
        assertArrayEquals("abc".getBytes(), recvExactly(h, 3));
        byte[] big = new byte[300_000];
        new Random(3).nextBytes(big);
        CompletableFuture<Rep> sent = c.send(sendReq(2, h, big, 0x4000 /* MSG_NOSIGNAL */));
        assertArrayEquals(big, recvExactly(h, big.length));
        assertEquals(big.length, sent.get(10, TimeUnit.SECONDS).ret());
    }

    @Test
    void nonBlockingSocketsAndDontWaitGiveEinprogressAndEagain() throws Exception {
        int h = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
        c.call(addrReq(1, 5, h, sin("127.0.0.1", peers.echoPort()))).fails(-1, EINPROGRESS, 12);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Rep r = c.call(addrReq(c.nextId() + 1000, 5, h, sin("127.0.0.1", peers.echoPort())));
            if (r.ret() == 0 || r.errno() == EISCONN) {
                break;
            }
            assertEquals(EALREADY, r.errno(), r::hex);
            assertTrue(System.nanoTime() < deadline, "non-blocking connect never completed");
        }
        // SO_ERROR value right after the header
        assertEquals(le(2) + "00000000" + "00000000" + "00000000", c.call(getsockoptReq(2, h, SOL_SOCKET, SO_ERROR, 4)).hex());
        c.call(recvReq(3, h, 100, 0)).fails(-1, EAGAIN, 12);
        int b = tcpConnected(peers.echoPort());
        c.call(recvReq(4, b, 100, MSG_DONTWAIT)).fails(-1, EAGAIN, 12);

        // a non-blocking connect that fails reports ECONNREFUSED through SO_ERROR, in Emscripten numbering
        int f = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
        c.call(addrReq(5, 5, f, sin("127.0.0.1", NativePeers.closedPort()))).fails(-1, EINPROGRESS, 12);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int err = 0;
        while (err == 0) {
            Rep r = c.call(getsockoptReq(c.nextId() + 1000, f, SOL_SOCKET, SO_ERROR, 4));
            assertEquals(16, r.len());
            err = r.i32(12);
            assertTrue(err != 0 || System.nanoTime() < deadline, "connect never failed");
        }
        assertEquals(ECONNREFUSED, err);
    }

    // ------------------------------------------------------------------ UDP: SENDTO, RECVFROM

    @Test
    void udpSendtoAndRecvfromLayouts() throws Exception {
        int h = socket(AF_INET, SOCK_DGRAM);
        byte[] to = sin("127.0.0.1", peers.udpPort());
        byte[] sendto = sendtoReq(1, h, "abc".getBytes(), 0, to);
        assertEquals(280 + 3, sendto.length);
        assertEquals("01000000" + "03000000" + "00000000", c.call(sendto).hex());
        // @12 data_len | @16 address_len (real) | @20 data | then min(real, asked) address bytes
        assertEquals("02000000" + "03000000" + "00000000" + "03000000" + "10000000" + hex("abc".getBytes()) + hex(to),
                c.call(recvfromReq(2, h, 100, 0, 16)).hex());
        // a caller buffer of 8 bytes: the real length is still reported, 8 bytes are sent
        c.call(sendtoReq(3, h, "de".getBytes(), 0, to));
        assertEquals("04000000" + "02000000" + "00000000" + "02000000" + "10000000" + hex("de".getBytes())
                + hex(java.util.Arrays.copyOf(to, 8)), c.call(recvfromReq(4, h, 100, 0, 8)).hex());
        // no address buffer at all, and a truncating length: ret is what was copied, the rest of the datagram is gone
        byte[] big = new byte[300];
        new Random(1).nextBytes(big);
        c.call(sendtoReq(5, h, big, 0, to));
        c.call(sendtoReq(6, h, "next".getBytes(), 0, to));
        Rep t = c.call(recvfromReq(7, h, 50, 0, 0));
        assertEquals(20 + 50, t.len());
        assertEquals(50, t.ret());
        assertEquals(50, t.i32(12));
        assertEquals(16, t.i32(16));
        assertArrayEquals(java.util.Arrays.copyOf(big, 50), t.slice(20, 50));
        assertEquals("08000000" + "04000000" + "00000000" + hex("next".getBytes()), c.call(recvReq(8, h, 100, 0)).hex());
        // connected UDP: sendto with dest_len 0 is a plain send
        assertEquals(0, c.call(addrReq(9, 5, h, to)).ret());
        assertEquals(4, c.call(req(10, 12).i32(h).i32(4).i32(0).i32(0).zeros(256).bytes("conn".getBytes()).build()).ret());
        assertEquals("0b000000" + "04000000" + "00000000" + hex("conn".getBytes()), c.call(recvReq(11, h, 100, 0)).hex());
    }

    @Test
    void recvfromOnAStreamReportsNoAddress() throws Exception {
        int h = tcpConnected(peers.echoPort());
        c.call(sendReq(1, h, "xy".getBytes(), 0));
        Rep r = c.call(recvfromReq(2, h, 2, 0x100 /* MSG_WAITALL */, 16));
        assertEquals("02000000" + "02000000" + "00000000" + "02000000" + "00000000" + hex("xy".getBytes()), r.hex());
    }

    // ------------------------------------------------------------------ BIND, LISTEN, ACCEPT, GETSOCKNAME, GETPEERNAME

    @Test
    void listenAcceptAndNamesWithTheirAddressLayouts() throws Exception {
        int l = socket(AF_INET, SOCK_STREAM);
        assertEquals(0, c.call(setsockoptReq(1, l, SOL_SOCKET, SO_REUSEADDR, intVal(1))).ret());
        assertEquals("02000000" + "00000000" + "00000000", c.call(addrReq(2, 4, l, sin("127.0.0.1", 0))).hex());
        assertEquals("03000000" + "00000000" + "00000000", c.call(req(3, 6).i32(l).i32(5).build()).hex());
        // getsockname as the client sends it with a 256-byte buffer: 16 bytes
        Rep name = c.call(req(4, 8).i32(l).i32(256).build());
        assertEquals(32, name.len());
        assertEquals("04000000" + "00000000" + "00000000" + "10000000", hex(name.slice(0, 16)));
        int port = ByteBuffer.wrap(name.b()).order(ByteOrder.BIG_ENDIAN).getShort(18) & 0xffff;
        assertTrue(port > 0);
        assertEquals(hex(sin("127.0.0.1", port)), hex(name.slice(16, 16)));

        CompletableFuture<Rep> accept = c.send(req(5, 7).i32(l).i32(16).build());
        try (Socket s = new Socket("127.0.0.1", port)) {
            Rep a = accept.get(10, TimeUnit.SECONDS);
            int h = a.ret();
            assertTrue(h > 100 && h != l, a::hex);
            // ret = handle, errno 0 (the client copies it: ret != 0), @12 real length, @16 the peer's sockaddr_in
            assertEquals("05000000" + le(h) + "00000000" + "10000000" + hex(sin("127.0.0.1", s.getLocalPort())), a.hex());
            s.getOutputStream().write("hi".getBytes());
            assertArrayEquals("hi".getBytes(), recvExactly(h, 2));
            Rep peer = c.call(req(6, 9).i32(h).i32(256).build());
            assertEquals(hex(sin("127.0.0.1", s.getLocalPort())), hex(peer.slice(16, 16)));
            // accept with a NULL address: the length word only
            CompletableFuture<Rep> accept2 = c.send(req(7, 7).i32(l).i32(0).build());
            try (Socket s2 = new Socket("127.0.0.1", port)) {
                Rep a2 = accept2.get(10, TimeUnit.SECONDS);
                assertEquals(16, a2.len());
                assertEquals(16, a2.i32(12));
                assertEquals(0, a2.errno());
            }
        }
    }

    @Test
    void getsocknameAndGetpeernameSurviveTheClientsShortFrames() throws Exception {
        int h = tcpConnected(peers.echoPort());
        long malformed = proxy.stats().malformedFrames();
        // an ordinary 16-byte buffer makes the client send 16 + 16 - 256 < 0 bytes: an empty frame
        c.sendRaw(new byte[0]);
        c.sendRaw(new byte[] {1, 2, 3});
        // *address_len 252: 12 bytes (id, op, socket); answered from the socket alone
        Rep r = c.call(req(20, 8).i32(h).build());
        assertEquals(32, r.len());
        assertEquals(0, r.ret());
        assertEquals(16, r.i32(12));
        assertEquals(2, r.b()[16]);
        // *address_len 248: 8 bytes, no socket: EINVAL, still at getsockname's 16-byte minimum
        c.call(req(21, 9).build()).fails(-1, EINVAL, 16);
        // 5 bytes: a call id but no opcode: answered at getsockname's minimum (only it and getpeername
        // come truncated), not padded to getaddrinfo's 2064 bytes
        Rep five = c.call(new byte[] {22, 0, 0, 0, 9});
        five.fails(-1, EINVAL, 16);
        // the two id-less frames got nothing: only the three replies above arrived
        assertEquals(List.of(20, 21, 22), drainIds());
        assertTrue(proxy.stats().malformedFrames() >= malformed + 4, () -> "" + proxy.stats());
        // an unconnected socket has no peer
        int u = socket(AF_INET, SOCK_STREAM);
        c.call(req(23, 9).i32(u).i32(256).build()).fails(-1, ENOTCONN, 16);
        // getsockname of an unbound socket: 0.0.0.0:0
        Rep any = c.call(req(24, 8).i32(u).i32(256).build());
        assertEquals(hex(sin("0.0.0.0", 0)), hex(any.slice(16, 16)));
    }

    private List<Integer> drainIds() {
        List<Integer> ids = new ArrayList<>();
        for (Rep r; (r = c.arrivals.poll()) != null; ) {
            ids.add(r.id());
        }
        // only the last three belong to this part of the test
        return ids.subList(Math.max(0, ids.size() - 3), ids.size());
    }

    // ------------------------------------------------------------------ GETSOCKOPT, SETSOCKOPT

    @Test
    void getsockoptPutsTheValueRightAfterTheHeader() throws Exception {
        int h = tcpConnected(peers.echoPort());
        assertEquals("01000000" + "00000000" + "00000000" + "01000000", c.call(getsockoptReq(1, h, SOL_SOCKET, SO_TYPE, 4)).hex());
        for (int v : new int[] {1, 0}) {
            int id = 20 + 10 * v;
            assertEquals(le(id) + "00000000" + "00000000", c.call(setsockoptReq(id, h, SOL_SOCKET, SO_REUSEADDR, intVal(v))).hex());
            assertEquals(v, c.call(getsockoptReq(id + 1, h, SOL_SOCKET, SO_REUSEADDR, 4)).i32(12));
            assertEquals(0, c.call(setsockoptReq(id + 2, h, IPPROTO_TCP, TCP_NODELAY, intVal(v))).ret());
            Rep nd = c.call(getsockoptReq(id + 3, h, IPPROTO_TCP, TCP_NODELAY, 4));
            assertEquals(16, nd.len());
            assertEquals(v, nd.i32(12));
        }
        // flags read back as 0/1, as on Linux
        c.call(setsockoptReq(6, h, SOL_SOCKET, 9 /* SO_KEEPALIVE */, intVal(7)));
        assertEquals(1, c.call(getsockoptReq(7, h, SOL_SOCKET, 9, 4)).i32(12));
        // a shorter buffer truncates the value
        assertEquals("08000000" + "00000000" + "00000000" + "0100", c.call(getsockoptReq(8, h, SOL_SOCKET, SO_TYPE, 2)).hex());
        // SO_RCVBUF
        c.call(setsockoptReq(9, h, SOL_SOCKET, SO_RCVBUF, intVal(65536)));
        assertTrue(c.call(getsockoptReq(10, h, SOL_SOCKET, SO_RCVBUF, 4)).i32(12) >= 65536);
        // SO_LINGER {l_onoff, l_linger}
        assertEquals(0, c.call(setsockoptReq(11, h, SOL_SOCKET, SO_LINGER, new B().i32(1).i32(5).build())).ret());
        assertEquals("0c000000" + "00000000" + "00000000" + "01000000" + "05000000",
                c.call(getsockoptReq(12, h, SOL_SOCKET, SO_LINGER, 8)).hex());
        // unknown options: ENOPROTOOPT (50) both ways
        c.call(getsockoptReq(13, h, SOL_SOCKET, 12345, 4)).fails(-1, ENOPROTOOPT, 12);
        c.call(setsockoptReq(14, h, SOL_SOCKET, 12345, intVal(1))).fails(-1, ENOPROTOOPT, 12);
        // too short a value for an int option; a negative length
        c.call(setsockoptReq(15, h, SOL_SOCKET, SO_REUSEADDR, new byte[2])).fails(-1, EINVAL, 12);
        c.call(req(16, 17).i32(h).i32(SOL_SOCKET).i32(SO_REUSEADDR).i32(-4).build()).fails(-1, EINVAL, 12);
        c.call(getsockoptReq(17, 4242, SOL_SOCKET, SO_TYPE, 4)).fails(-1, EBADF, 12);
    }

    @Test
    void soRcvtimeoTakesBothTimevalLayoutsAndTimesOutARecv() throws Exception {
        int h = tcpConnected(peers.manualPort());
        try (Socket peer = peers.nextManual()) {
            // 3.1.6: musl wasm32 SO_RCVTIMEO = 66, struct timeval {i32 sec, i32 usec}
            assertEquals(0, c.call(setsockoptReq(1, h, SOL_SOCKET, SO_RCVTIMEO, new B().i32(2).i32(500_000).build())).ret());
            assertEquals("02000000" + "00000000" + "00000000" + "02000000" + "20a10700",
                    c.call(getsockoptReq(2, h, SOL_SOCKET, SO_RCVTIMEO, 8)).hex());
            assertEquals("03000000" + "00000000" + "00000000" + "0200000000000000" + "20a10700" + "00000000",
                    c.call(getsockoptReq(3, h, SOL_SOCKET, SO_RCVTIMEO, 16)).hex());
            // 3.1.16+: {i64 sec, long usec + padding (garbage allowed)}
            assertEquals(0, c.call(setsockoptReq(4, h, SOL_SOCKET, SO_RCVTIMEO,
                    new B().i64(0).i32(150_000).i32(0xdeadbeef).build())).ret());
            assertEquals(150_000, c.call(getsockoptReq(5, h, SOL_SOCKET, SO_RCVTIMEO, 16)).i32(20));
            c.call(setsockoptReq(6, h, SOL_SOCKET, SO_RCVTIMEO, new B().i32(0).i32(2_000_000).build())).fails(-1, EDOM, 12);
            c.call(setsockoptReq(7, h, SOL_SOCKET, SO_RCVTIMEO, new B().i32(1).build())).fails(-1, EINVAL, 12);
            long t0 = System.nanoTime();
            c.call(recvReq(8, h, 10, 0)).fails(-1, EAGAIN, 12);
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(140), "timed out too early");
            assertFalse(peer.isClosed());
        }
    }

    // ------------------------------------------------------------------ SHUTDOWN

    @Test
    void shutdownRdwrReleasesTheHandle() throws Exception {
        int h = tcpConnected(peers.manualPort());
        try (Socket peer = peers.nextManual()) {
            assertEquals("01000000" + "00000000" + "00000000", c.call(req(1, 3).i32(h).i32(2).build()).hex());
            assertEquals(-1, peer.getInputStream().read(), "the native peer sees EOF");
            c.call(sendReq(2, h, "x".getBytes(), 0)).fails(-1, EBADF, 12);
            c.call(req(3, 3).i32(h).i32(2).build()).fails(-1, EBADF, 12);
        }
        // SHUT_WR keeps the handle: the reply still comes back
        int w = tcpConnected(peers.manualPort());
        try (Socket peer = peers.nextManual()) {
            assertEquals(0, c.call(req(4, 3).i32(w).i32(1).build()).ret());
            assertEquals(-1, peer.getInputStream().read());
            peer.getOutputStream().write("after".getBytes());
            assertArrayEquals("after".getBytes(), recvExactly(w, 5));
        }
        // an unconnected socket: ENOTCONN, as Linux says, but the handle is released all the same
        int u = socket(AF_INET, SOCK_STREAM);
        c.call(req(5, 3).i32(u).i32(2).build()).fails(-1, ENOTCONN, 12);
        c.call(getsockoptReq(6, u, SOL_SOCKET, SO_TYPE, 4)).fails(-1, EBADF, 12);
        c.call(req(7, 3).i32(w).i32(9).build()).fails(-1, EINVAL, 12);
    }

    // ------------------------------------------------------------------ GETADDRINFO

    /** The whole 2064-byte fixed part plus entries, as A2.2/A2.3 lay them out. */
    static String gaiReply(int id, String canon, byte[]... entries) {
        B b = req(id, 0).i32(0);
        // req() wrote id and "op"; the reply header is id, ret, errno: ret 0 = the "op" 0, errno 0
        b.str(canon, 2048).i32(entries.length);
        for (byte[] e : entries) {
            b.bytes(e);
        }
        return hex(b.build());
    }

    static byte[] entry(int flags, int family, int socktype, int proto, byte[] addr) {
        return new B().i32(flags).i32(family).i32(socktype).i32(proto).i32(addr.length).bytes(addr).build();
    }

    @Test
    void getaddrinfoLayouts() throws Exception {
        byte[] q = gaiReq(1, "127.0.0.1", "7777", true, 0, AF_INET, SOCK_STREAM, 0);
        assertEquals(2204, q.length);
        Rep r = c.call(q);
        assertEquals(2064 + 20 + 16, r.len());
        assertEquals(gaiReply(1, "", entry(0, AF_INET, SOCK_STREAM, 6, sin("127.0.0.1", 7777))), r.hex());

        Rep v6 = c.call(gaiReq(2, "::1", "53", true, 0x4 /* AI_NUMERICHOST */, AF_INET6, SOCK_DGRAM, 0));
        assertEquals(gaiReply(2, "", entry(0x4, AF_INET6, SOCK_DGRAM, 17, sin6("::1", 53))), v6.hex());

        Rep canon = c.call(gaiReq(3, "127.0.0.1", "", true, 0x2 /* AI_CANONNAME */, AF_INET, SOCK_STREAM, 0));
        assertEquals(gaiReply(3, "127.0.0.1", entry(0x2, AF_INET, SOCK_STREAM, 6, sin("127.0.0.1", 0))), canon.hex());

        // NULL node (sent as ""), AI_PASSIVE: the wildcard address
        Rep passive = c.call(gaiReq(4, "", "80", true, 0x1, AF_INET, SOCK_STREAM, 0));
        assertEquals(gaiReply(4, "", entry(0x1, AF_INET, SOCK_STREAM, 6, sin("0.0.0.0", 80))), passive.hex());

        // no hints: every family and type
        Rep all = c.call(gaiReq(5, "", "80", false, 0, 0, 0, 0));
        assertEquals(0, all.ret());
        assertEquals(4, all.i32(2060));
        assertEquals(hex(entry(0, AF_INET, SOCK_STREAM, 6, sin("127.0.0.1", 80))), hex(all.slice(2064, 36)));
    }

    @Test
    void getaddrinfoErrorsAreEaiCodesInTheFull2064Bytes() throws Exception {
        Rep nonNumeric = c.call(gaiReq(1, "not-numeric.invalid", "", true, 0x4, 0, 0, 0));
        assertEquals(hex(new B().i32(1).i32(-2).i32(0).zeros(2052).build()), nonNumeric.hex());
        c.call(gaiReq(2, "127.0.0.1", "", true, 0, AF_UNIX, 0, 0)).fails(-6 /* EAI_FAMILY */, 0, 2064);
        c.call(gaiReq(3, "127.0.0.1", "", true, 0, AF_INET, 3, 0)).fails(-7 /* EAI_SOCKTYPE */, 0, 2064);
        c.call(gaiReq(4, "", "", true, 0, 0, 0, 0)).fails(-2 /* EAI_NONAME */, 0, 2064);
        c.call(gaiReq(5, "127.0.0.1", "no-such-service", true, 0, 0, 0, 0)).fails(-8 /* EAI_SERVICE */, 0, 2064);
        // a request cut short: EAI_SYSTEM with errno EINVAL, still 2064 bytes
        c.call(req(6, 18).str("localhost", 92).build()).fails(-11, EINVAL, 2064);
    }

    // ------------------------------------------------------------------ unknown and malformed

    @Test
    void unknownOpcodesGetEnosysInTheHeaderAlone() throws Exception {
        int id = 1;
        // the client never sends these, so nobody waits for a longer answer
        for (int op : new int[] {14, 15, 19, 0, 20, 99, -3}) {
            c.call(req(id++, op).i32(103).zeros(16).build()).fails(-1, ENOSYS, 12);
        }
    }

    @Test
    void requestsShorterThanTheirFieldsGetEinvalAtTheirMinimumSize() throws Exception {
        long before = proxy.stats().malformedFrames();
        c.call(req(1, 1).i32(AF_INET).build()).fails(-1, EINVAL, 12);
        c.call(req(2, 2).i32(AF_UNIX).build()).fails(-1, EINVAL, 20);
        c.call(req(3, 11).i32(103).build()).fails(-1, EINVAL, 12);
        c.call(req(4, 12).i32(103).i32(1).i32(0).i32(16).build()).fails(-1, EINVAL, 12);
        c.call(req(5, 16).i32(103).i32(1).build()).fails(-1, EINVAL, 12);
        c.call(req(6, 4).i32(103).build()).fails(-1, EINVAL, 12);
        assertEquals(before + 6, proxy.stats().malformedFrames());
        // the connection is still fine
        assertEquals(103, c.call(socketReq(7, AF_INET, SOCK_STREAM, 0)).ret());
    }

    // ------------------------------------------------------------------ concurrency, scope, lifetime

    @Test
    void aBlockedRecvNeverHoldsUpASendOnTheSameSocket() throws Exception {
        // tcp_in_two_threads: one thread in recv, another sending
        int h = tcpConnected(peers.echoPort());
        c.arrivals.clear();
        CompletableFuture<Rep> recv = c.send(recvReq(50, h, 256, 0));
        Rep send = c.call(sendReq(51, h, "hella".getBytes(), 0));
        assertEquals(5, send.ret());
        Rep got = recv.get(10, TimeUnit.SECONDS);
        assertEquals(hex("hella".getBytes()), hex(got.slice(12, got.ret())));
        assertEquals(51, c.arrivals.poll().id(), "the send's reply overtakes the blocked recv's");
        assertEquals(50, c.arrivals.poll().id());
    }

    @Test
    void blockedRecvAndAcceptLetOtherCallsThrough() throws Exception {
        int a = tcpConnected(peers.manualPort());
        try (Socket peer = peers.nextManual()) {
            int l = socket(AF_INET, SOCK_STREAM);
            c.call(addrReq(c.nextId(), 4, l, sin("127.0.0.1", 0)));
            c.call(req(c.nextId(), 6).i32(l).i32(1).build());
            Rep name = c.call(req(c.nextId(), 8).i32(l).i32(256).build());
            int port = ByteBuffer.wrap(name.b()).order(ByteOrder.BIG_ENDIAN).getShort(18) & 0xffff;

            CompletableFuture<Rep> recv = c.send(recvReq(900, a, 100, 0));
            CompletableFuture<Rep> accept = c.send(req(901, 7).i32(l).i32(16).build());
            // both blocked: other calls go on
            for (int i = 0; i < 20; i++) {
                assertTrue(c.call(socketReq(1000 + i, AF_INET, SOCK_DGRAM, 0)).ret() > 100);
                assertEquals(1, c.call(getsockoptReq(2000 + i, a, SOL_SOCKET, SO_TYPE, 4)).i32(12));
            }
            assertFalse(recv.isDone());
            assertFalse(accept.isDone());
            try (Socket s = new Socket("127.0.0.1", port)) {
                Rep acc = accept.get(10, TimeUnit.SECONDS);
                assertTrue(acc.ret() > 100);
                assertFalse(recv.isDone(), "recv still waits for its data");
                peer.getOutputStream().write("late".getBytes());
                Rep r = recv.get(10, TimeUnit.SECONDS);
                assertEquals("late", new String(r.slice(12, r.ret()), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void handlesAreScopedToTheirConnection() throws Exception {
        int mine = socket(AF_INET, SOCK_STREAM);
        int second = socket(AF_INET, SOCK_STREAM);
        EmClient other = posixClient(uri);
        other.call(getsockoptReq(1, second, SOL_SOCKET, SO_TYPE, 4)).fails(-1, EBADF, 12);
        assertEquals(mine, other.call(socketReq(2, AF_INET, SOCK_STREAM, 0)).ret(), "each connection numbers from the start");
    }

    @Test
    void closingTheWebSocketClosesEverySocket() throws Exception {
        int before = proxy.stats().nativeChannelsOpen();
        for (int i = 0; i < 3; i++) {
            tcpConnected(peers.echoPort());
        }
        int l = socket(AF_INET, SOCK_STREAM);
        c.call(addrReq(c.nextId(), 4, l, sin("127.0.0.1", 0)));
        c.call(req(c.nextId(), 6).i32(l).i32(1).build());
        CompletableFuture<Rep> pending = c.send(req(c.nextId(), 7).i32(l).i32(16).build());
        assertTrue(proxy.stats().nativeChannelsOpen() >= before + 4);
        c.close();
        awaitStats(s -> s.nativeChannelsOpen() == 0 && s.sessionsOpen() == 0, "every native channel closed");
        assertFalse(pending.isDone());
    }

    @Test
    void proxyShutdownEndsEmscriptenSessions() throws Exception {
        tcpConnected(peers.echoPort());
        proxy.shutdown(java.time.Duration.ofMillis(100)).get(20, TimeUnit.SECONDS);
        String how = c.closed.get(10, TimeUnit.SECONDS);
        assertTrue(how.startsWith("1001"), how);
        assertEquals(0, proxy.stats().nativeChannelsOpen());
    }
}
