package dev.sockbridge.frontend.emscripten.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.SocketOption;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The Emscripten front end's decoder and encoder as Netty tests a codec: bytes in, values out, and the reverse,
 * with no socket, no transport and no engine. Every opcode's request layout and every reply layout of
 * shared/emscripten-protocol.md A2.2 (with the client's actual parsing of A3) is checked here once.
 */
class PosixCodecTest {
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
    private static final int EID = 42;
    private static final int H = PosixWire.HANDLE_OFFSET;

    /** A request as the client lays it out: little-endian i32 fields. */
    private static final class Req {
        final ByteBuf b = Unpooled.buffer();

        Req(int id, int op) {
            b.writeIntLE(id).writeIntLE(op);
        }

        Req i32(int v) {
            b.writeIntLE(v);
            return this;
        }

        Req bytes(byte[] v) {
            b.writeBytes(v);
            return this;
        }

        Req zeros(int n) {
            b.writeZero(n);
            return this;
        }

        Req str(String s, int field) {
            byte[] v = s.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(v).writeZero(field - v.length);
            return this;
        }
    }

    private static final byte[] SIN_7777 = HexBytes.of("0200 1e61 7f000001 0000000000000000");

    /** Decodes {@code r}'s bytes; the frame is released, the request is the caller's. */
    private static Request decode(PosixCall c, Req r, Set<Integer> datagramFds) throws PosixDecoder.Malformed {
        try {
            return PosixDecoder.decode(c, r.b, EID, datagramFds);
        } finally {
            r.b.release();
        }
    }

    private static <T extends Request> T decoded(Req r, Class<T> type) throws PosixDecoder.Malformed {
        PosixCall c = new PosixCall(r.b.getIntLE(0), r.b.getIntLE(4));
        Request q = decode(c, r, Set.of());
        assertEquals(EID, q.callId(), "the engine's id, not the client's");
        return type.cast(q);
    }

    private static PosixDecoder.Malformed refused(Req r) {
        PosixCall c = new PosixCall(r.b.getIntLE(0), r.b.getIntLE(4));
        return assertThrows(PosixDecoder.Malformed.class, () -> decode(c, r, Set.of()));
    }

    // ------------------------------------------------------------------ requests, opcode by opcode

    @Test
    void socketAndSocketpairCarryDomainTypeProtocol() throws Exception {
        Request.Socket s = decoded(new Req(1, 1).i32(2).i32(1 | 0x800).i32(6), Request.Socket.class);
        assertEquals(new Request.Socket(EID, 2, 0x801, 6), s);
        Request.SocketPair p = decoded(new Req(2, 2).i32(1).i32(2).i32(0), Request.SocketPair.class);
        assertEquals(new Request.SocketPair(EID, 1, 2, 0), p);
        PosixCall c = new PosixCall(3, 1);
        Message.release(decode(c, new Req(3, 1).i32(2).i32(2 | 0x80000).i32(0), Set.of()));
        assertTrue(c.datagram, "SOCK_DGRAM with SOCK_CLOEXEC is still a datagram socket");
    }

    @Test
    void shutdownRdwrAlsoReleasesTheHandle() throws Exception {
        PosixCall c = new PosixCall(1, 3);
        assertEquals(new Request.Shutdown(EID, 5, 2), decode(c, new Req(1, 3).i32(H + 5).i32(2), Set.of()));
        assertTrue(c.closeAfter);
        assertEquals(5, c.fd);
        PosixCall wr = new PosixCall(2, 3);
        assertEquals(new Request.Shutdown(EID, 5, 1), decode(wr, new Req(2, 3).i32(H + 5).i32(1), Set.of()));
        assertTrue(!wr.closeAfter, "SHUT_WR keeps the handle");
    }

    @Test
    void bindConnectListenAccept() throws Exception {
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", 7777);
        assertEquals(new Request.Bind(EID, 4, to), decoded(new Req(1, 4).i32(H + 4).i32(16).bytes(SIN_7777), Request.Bind.class));
        assertEquals(new Request.Connect(EID, 4, to), decoded(new Req(1, 5).i32(H + 4).i32(16).bytes(SIN_7777), Request.Connect.class));
        // address_len larger than what came: capped at the bytes present (the reference proxy does so for CONNECT)
        assertEquals(new Request.Connect(EID, 4, to), decoded(new Req(1, 5).i32(H + 4).i32(9999).bytes(SIN_7777), Request.Connect.class));
        assertEquals(new Request.Listen(EID, 4, 128), decoded(new Req(1, 6).i32(H + 4).i32(128), Request.Listen.class));
        PosixCall c = new PosixCall(1, 7);
        assertEquals(new Request.Accept(EID, 4, 0), decode(c, new Req(1, 7).i32(H + 4).i32(28), Set.of()));
        assertEquals(28, c.addrMax);
    }

    @Test
    void connectToAnAddressOfAnotherFamilyIsRefusedWithItsErrno() {
        assertEquals(Errno.EAFNOSUPPORT.code(),
                refused(new Req(1, 5).i32(H + 4).i32(6).bytes(HexBytes.of("0100 2f746d70"))).errno);
        assertEquals(Errno.EINVAL.code(), refused(new Req(1, 5).i32(H + 4).i32(10).bytes(HexBytes.of("0200 1e61 7f000001 0000"))).errno);
    }

    @Test
    void getsocknameAndGetpeernameSurviveTheClientsShortMessage() throws Exception {
        PosixCall full = new PosixCall(1, 8);
        assertEquals(new Request.GetSockName(EID, 4), decode(full, new Req(1, 8).i32(H + 4).i32(16), Set.of()));
        assertEquals(16, full.addrMax);
        // 12 bytes: only a buffer of 252+ bytes makes the client send that much, so the whole address fits
        PosixCall shortOne = new PosixCall(2, 9);
        assertEquals(new Request.GetPeerName(EID, 4), decode(shortOne, new Req(2, 9).i32(H + 4), Set.of()));
        assertEquals(PosixWire.MAX_SOCKADDR, shortOne.addrMax);
    }

    @Test
    void sendCarriesASliceOfTheFrameCappedAtWhatCame() throws Exception {
        Req r = new Req(1, 10).i32(H + 4).i32(100).i32(0x4000).bytes("hell".getBytes(StandardCharsets.US_ASCII));
        PosixCall c = new PosixCall(1, 10);
        Request.Send s = (Request.Send) PosixDecoder.decode(c, r.b, EID);
        try {
            assertEquals(4, s.fd());
            assertEquals(0x4000, s.flags());
            assertEquals("hell", s.data().toString(StandardCharsets.US_ASCII));
            assertEquals(2, r.b.refCnt(), "the data is a retained slice, not a copy");
        } finally {
            Message.release(s);
            r.b.release();
        }
    }

    @Test
    void recvAndRecvfromWithMsgTruncAskForTheWholeDatagram() throws Exception {
        assertEquals(new Request.Recv(EID, 4, 256, 0), decoded(new Req(1, 11).i32(H + 4).i32(256).i32(0), Request.Recv.class));
        PosixCall c = new PosixCall(1, 13);
        assertEquals(new Request.RecvFrom(EID, 4, 512, 0x40), decode(c, new Req(1, 13).i32(H + 4).i32(512).i32(0x40).i32(16), Set.of()));
        assertEquals(16, c.addrMax);
        assertEquals(-1, c.truncLength);
        // MSG_TRUNC on a datagram socket: the engine is asked for the whole datagram, the caller's length noted
        PosixCall t = new PosixCall(2, 11);
        assertEquals(new Request.Recv(EID, 4, PosixDecoder.WHOLE_DATAGRAM, 0x20),
                decode(t, new Req(2, 11).i32(H + 4).i32(8).i32(0x20), Set.of(4)));
        assertEquals(8, t.truncLength);
        // on a stream socket MSG_TRUNC means nothing of the sort
        PosixCall s = new PosixCall(3, 11);
        assertEquals(new Request.Recv(EID, 4, 8, 0x20), decode(s, new Req(3, 11).i32(H + 4).i32(8).i32(0x20), Set.of()));
        assertEquals(-1, s.truncLength);
    }

    @Test
    void sendtoReadsItsFixed256ByteAddressFieldAndZeroLengthMeansConnected() throws Exception {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        Request.SendTo to = decoded(new Req(1, 12).i32(H + 4).i32(4).i32(0).i32(16).bytes(SIN_7777).zeros(240).bytes(ping),
                Request.SendTo.class);
        try {
            assertEquals(new InetSocketAddress("127.0.0.1", 7777), to.address());
            assertEquals("ping", to.data().toString(StandardCharsets.US_ASCII));
        } finally {
            Message.release(to);
        }
        Request.SendTo connected = decoded(new Req(1, 12).i32(H + 4).i32(4).i32(0).i32(0).zeros(256).bytes(ping), Request.SendTo.class);
        try {
            assertNull(connected.address());
        } finally {
            Message.release(connected);
        }
    }

    @Test
    void getsockoptMapsMuslOptionsAndNotesTheCallersLength() throws Exception {
        PosixCall c = new PosixCall(1, 16);
        assertEquals(new Request.GetSockOpt(EID, 4, 1, 20), decode(c, new Req(1, 16).i32(H + 4).i32(1).i32(66).i32(16), Set.of()));
        assertEquals(SocketOption.SO_RCVTIMEO, c.opt);
        assertEquals(16, c.optLen);
    }

    @Test
    void setsockoptDecodesIntsTimevalsAndLinger() throws Exception {
        assertEquals(new Request.SetSockOpt(EID, 4, 1, 2, 1),
                decoded(new Req(1, 17).i32(H + 4).i32(1).i32(2).i32(4).i32(7), Request.SetSockOpt.class), "SO_REUSEADDR is a flag");
        // 3.1.6's 8-byte timeval {i32 sec, i32 usec}: 2.5 s
        assertEquals(new Request.SetSockOpt(EID, 4, 1, 20, 2_500_000),
                decoded(new Req(1, 17).i32(H + 4).i32(1).i32(66).i32(8).i32(2).i32(500_000), Request.SetSockOpt.class));
        // 3.1.16+'s 16-byte timeval {i64 sec, long usec, pad}
        assertEquals(new Request.SetSockOpt(EID, 4, 1, 21, 3_000_001),
                decoded(new Req(1, 17).i32(H + 4).i32(1).i32(67).i32(16).i32(3).i32(0).i32(1).i32(0), Request.SetSockOpt.class));
        // linger {on, secs}; off is -1
        assertEquals(new Request.SetSockOpt(EID, 4, 1, 13, 5),
                decoded(new Req(1, 17).i32(H + 4).i32(1).i32(13).i32(8).i32(1).i32(5), Request.SetSockOpt.class));
        assertEquals(new Request.SetSockOpt(EID, 4, 1, 13, -1),
                decoded(new Req(1, 17).i32(H + 4).i32(1).i32(13).i32(8).i32(0).i32(5), Request.SetSockOpt.class));
        assertEquals(PosixDecoder.LINUX_EDOM, refused(new Req(1, 17).i32(H + 4).i32(1).i32(66).i32(8).i32(1).i32(1_000_000)).errno);
        assertEquals(Errno.EINVAL.code(), refused(new Req(1, 17).i32(H + 4).i32(1).i32(66).i32(4).i32(1)).errno);
        assertEquals(Errno.EINVAL.code(), refused(new Req(1, 17).i32(H + 4).i32(1).i32(2).i32(-1)).errno);
    }

    @Test
    void getaddrinfoReadsFixedFieldsAndEmptyMeansNull() throws Exception {
        assertEquals(new Request.GetAddrInfo(EID, "google.com", null, 0x2, 0, 1, 0),
                decoded(new Req(1, 18).str("google.com", 2048).str("", 128).i32(1).i32(0x2).i32(0).i32(1).i32(0),
                        Request.GetAddrInfo.class));
        PosixCall c = new PosixCall(2, 18);
        assertEquals(new Request.GetAddrInfo(EID, null, "80", 0, 0, 0, 0),
                decode(c, new Req(2, 18).str("", 2048).str("80", 128).i32(0).i32(0x1).i32(10).i32(1).i32(6), Set.of()),
                "without hints the hint fields are ignored");
        assertEquals(0, c.gaiFlags);
    }

    @Test
    void callsTheClientNeverMakesAndUnknownOpcodesAreEnosys() {
        for (int op : new int[] {14, 15, 19, 0, 20, -7}) {
            assertEquals(Errno.ENOSYS.code(), refused(new Req(1, op).zeros(64)).errno, "opcode " + op);
        }
    }

    @Test
    void everyOpcodeShorterThanItsFixedFieldsIsEinval() {
        for (int op = 1; op <= 18; op++) {
            if (op == 14 || op == 15) {
                continue;
            }
            int min = PosixWire.minRequestSize(op);
            Req r = new Req(1, op).zeros(min - 8 - 1);
            assertEquals(Errno.EINVAL.code(), refused(r).errno, PosixWire.name(op));
        }
    }

    // ------------------------------------------------------------------ replies

    private static String reply(Function<ByteBufAllocator, ByteBuf> encode) {
        ByteBuf out = encode.apply(ALLOC);
        try {
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    private static String le(int... v) {
        ByteBuf b = Unpooled.buffer();
        for (int i : v) {
            b.writeIntLE(i);
        }
        return ByteBufUtil.hexDump(b);
    }

    private static final String SIN_HEX = "02001e617f0000010000000000000000";

    @Test
    void errorsAreWasiNumberedAndPaddedToTheCallsMinimum() {
        // ECONNREFUSED 111 -> 14
        assertEquals(le(9, -1, 14), reply(a -> PosixEncoder.error(a, new PosixCall(9, 5), 111)));
        assertEquals(le(9, -1, 8, 0, 0), reply(a -> PosixEncoder.error(a, new PosixCall(9, 2), 9)), "SOCKETPAIR: 20 bytes");
        assertEquals(le(9, -1, 53, 0), reply(a -> PosixEncoder.error(a, new PosixCall(9, 9), 107)), "GETPEERNAME: 16 bytes");
        assertEquals(le(9, -1, 52), reply(a -> PosixEncoder.error(a, new PosixCall(9, 99), 38)), "unknown opcode: header");
        // GETADDRINFO: ret is the EAI code, errno 0, still 2064 bytes
        String gai = reply(a -> PosixEncoder.error(a, new PosixCall(9, 18), -2));
        assertEquals(2064 * 2, gai.length());
        assertTrue(gai.startsWith(le(9, -2, 0)), gai.substring(0, 24));
        // a Linux errno on GETADDRINFO travels as EAI_SYSTEM
        assertTrue(reply(a -> PosixEncoder.error(a, new PosixCall(9, 18), 13)).startsWith(le(9, -11, 2)));
    }

    @Test
    void socketHandlesAreOffsetAndSocketpairIs20Bytes() {
        assertEquals(le(1, H + 3, 0), reply(a -> PosixEncoder.socket(a, new PosixCall(1, 1), 3)));
        assertEquals(le(2, 0, 0, H + 3, H + 4), reply(a -> PosixEncoder.socketPair(a, new PosixCall(2, 2), 3, 4)));
        assertEquals(le(3, 0, 0), reply(a -> PosixEncoder.value(a, new PosixCall(3, 5), 0)), "CONNECT: header only");
        assertEquals(le(4, 4, 0), reply(a -> PosixEncoder.value(a, new PosixCall(4, 10), 4)), "SEND: ret the bytes sent");
    }

    @Test
    void acceptAndGetsocknameCarryTheRealLengthAndWhatFits() {
        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 7777);
        PosixCall acc = new PosixCall(1, 7);
        acc.addrMax = 16;
        // errno 0: the client sets errno from an accept reply whenever ret != 0
        assertEquals(le(1, H + 5, 0, 16) + SIN_HEX, reply(a -> PosixEncoder.accepted(a, acc, 5, peer)));
        PosixCall small = new PosixCall(2, 8);
        small.addrMax = 4;
        assertEquals(le(2, 0, 0, 16) + "02001e61", reply(a -> PosixEncoder.address(a, small, peer)));
        PosixCall none = new PosixCall(3, 7);
        assertEquals(le(3, H + 5, 0, 16), reply(a -> PosixEncoder.accepted(a, none, 5, peer)), "a NULL address pointer");
    }

    @Test
    void recvCarriesExactlyRetBytes() {
        ByteBuf data = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        try {
            assertEquals(le(1, 5, 0) + "68656c6c6f", reply(a -> PosixEncoder.data(a, new PosixCall(1, 11), data, null)));
            assertEquals(5, data.readableBytes(), "the data stays the caller's, unread");
            assertEquals(le(2, 0, 0), reply(a -> PosixEncoder.data(a, new PosixCall(2, 11), Unpooled.EMPTY_BUFFER, null)), "EOF");
            PosixCall t = new PosixCall(3, 11);
            t.truncLength = 2;
            assertEquals(le(3, 5, 0) + "6865", reply(a -> PosixEncoder.data(a, t, data, null)), "MSG_TRUNC: ret the real length");
        } finally {
            data.release();
        }
    }

    @Test
    void recvfromCarriesDataLengthRealAddressLengthDataThenAddress() {
        ByteBuf data = Unpooled.copiedBuffer("pong", StandardCharsets.US_ASCII);
        InetSocketAddress from = new InetSocketAddress("127.0.0.1", 7777);
        try {
            PosixCall c = new PosixCall(1, 13);
            c.addrMax = 16;
            assertEquals(le(1, 4, 0, 4, 16) + "706f6e67" + SIN_HEX, reply(a -> PosixEncoder.data(a, c, data, from)));
            PosixCall small = new PosixCall(2, 13);
            small.addrMax = 2;
            assertEquals(le(2, 4, 0, 4, 16) + "706f6e67" + "0200", reply(a -> PosixEncoder.data(a, small, data, from)));
            PosixCall eof = new PosixCall(3, 13);
            eof.addrMax = 16;
            assertEquals(le(3, 0, 0, 0, 0), reply(a -> PosixEncoder.data(a, eof, Unpooled.EMPTY_BUFFER, null)),
                    "at least 20 bytes whenever ret >= 0");
        } finally {
            data.release();
        }
    }

    @Test
    void getsockoptValueIsRightAfterTheHeader() {
        PosixCall err = new PosixCall(1, 16);
        err.opt = SocketOption.SO_ERROR;
        err.optLen = 4;
        assertEquals(le(1, 0, 0, 14), reply(a -> PosixEncoder.sockOpt(a, err, 111)), "SO_ERROR in Emscripten numbering");
        PosixCall tv8 = new PosixCall(2, 16);
        tv8.opt = SocketOption.SO_RCVTIMEO;
        tv8.optLen = 8;
        assertEquals(le(2, 0, 0, 2, 500_000), reply(a -> PosixEncoder.sockOpt(a, tv8, 2_500_000)));
        PosixCall tv16 = new PosixCall(3, 16);
        tv16.opt = SocketOption.SO_RCVTIMEO;
        tv16.optLen = 16;
        assertEquals(le(3, 0, 0, 2, 0, 500_000, 0), reply(a -> PosixEncoder.sockOpt(a, tv16, 2_500_000)));
        PosixCall linger = new PosixCall(4, 16);
        linger.opt = SocketOption.SO_LINGER;
        linger.optLen = 8;
        assertEquals(le(4, 0, 0, 1, 5), reply(a -> PosixEncoder.sockOpt(a, linger, 5)));
        assertEquals(le(4, 0, 0, 0, 0), reply(a -> PosixEncoder.sockOpt(a, linger, -1)));
        PosixCall tiny = new PosixCall(5, 16);
        tiny.opt = SocketOption.SO_RCVTIMEO;
        tiny.optLen = 2;
        assertEquals(le(5, 0, 0) + "0200", reply(a -> PosixEncoder.sockOpt(a, tiny, 2_000_000)), "truncated like Linux");
    }

    @Test
    void getaddrinfoRepliesHaveTheCanonnameFieldCountAndPackedEntries() {
        PosixCall c = new PosixCall(7, 18);
        c.gaiFlags = 0x2;
        List<AddrInfo> results = List.of(
                new AddrInfo(2, 1, 6, new InetSocketAddress("127.0.0.1", 7777), "localhost"),
                new AddrInfo(10, 1, 6, new InetSocketAddress("127.0.0.1", 7777), null));
        ByteBuf out = PosixEncoder.addrInfos(ALLOC, c, results);
        try {
            assertEquals(7, out.getIntLE(0));
            assertEquals(0, out.getIntLE(4));
            assertEquals("localhost", PosixWire.cString(out, 12, 2048));
            assertEquals(2, out.getIntLE(2060));
            int at = 2064;
            assertEquals(le(0x2, 2, 1, 6, 16) + SIN_HEX, ByteBufUtil.hexDump(out, at, 20 + 16));
            at += 20 + 16;
            // an AF_INET6 result of an IPv4 address is v4-mapped, 28 bytes
            assertEquals(le(0x2, 10, 1, 6, 28), ByteBufUtil.hexDump(out, at, 20));
            assertEquals(at + 20 + 28, out.readableBytes());
        } finally {
            out.release();
        }
        String none = reply(a -> PosixEncoder.addrInfos(a, new PosixCall(8, 18), List.of()));
        assertEquals(2064 * 2, none.length(), "no result: still the 2064 bytes the client waits for");
    }

    /** Hex literals with spaces, for sockaddr bytes. */
    static final class HexBytes {
        static byte[] of(String hex) {
            return java.util.HexFormat.of().parseHex(hex.replace(" ", ""));
        }
    }
}
