package dev.sockbridge.api.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.GaiError;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.AddrInfo;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.PollFd;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.ProjectFiles;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The golden vectors of {@code docs/protocol.md}, checked in both directions: the messages built
 * here must encode to exactly the hex in the document, and the hex must decode to them. The
 * document is parsed, so it cannot drift from the codec. Run {@link #main} to print the table rows
 * after a deliberate change to the wire format.
 */
class GoldenVectorsTest {
    private static final String VECTORS_BEGIN = "<!-- golden-vectors:begin -->";
    private static final String VECTORS_END = "<!-- golden-vectors:end -->";
    private static final String BAD_BEGIN = "<!-- bad-vectors:begin -->";
    private static final String BAD_END = "<!-- bad-vectors:end -->";
    /** {@code | name | diagnostic | `hex` |} */
    private static final Pattern VECTOR_ROW = Pattern.compile("^\\|\\s*([a-z0-9-]+)\\s*\\|\\s*`([^`]*)`\\s*\\|\\s*`([0-9a-f]*)`\\s*\\|\\s*$");
    /** {@code | name | `hex` | callId | type | what |} */
    private static final Pattern BAD_ROW = Pattern.compile("^\\|\\s*([a-z0-9-]+)\\s*\\|\\s*`([0-9a-f]*)`\\s*\\|\\s*(-?\\d+)\\s*\\|\\s*(-?\\d+|0x[0-9a-f]+)\\s*\\|.*\\|\\s*$");

    private final MessageCodec codec = MessageCodec.cbor();

    // ------------------------------------------------------------------ the vectors

    /** Every golden message by name. Suppliers, because encoding consumes a message's data buffer. */
    static Map<String, Supplier<Message>> vectors() {
        InetSocketAddress lo8080 = v4("127.0.0.1", 8080);
        Map<String, Supplier<Message>> v = new LinkedHashMap<>();
        v.put("hello", () -> new Control.Hello(List.of(1), "sockbridge-java/0.1"));
        v.put("welcome", () -> new Control.Welcome(1, "sockbridge-proxy/0.1", 1 << 20, 1024, 256, 16L << 20));
        v.put("goodbye-version", () -> new Control.Goodbye(Control.Goodbye.UNSUPPORTED_VERSION, "unsupported version"));
        v.put("goodbye-normal", () -> new Control.Goodbye(Control.Goodbye.NORMAL, ""));
        v.put("credit", () -> new Control.Credit(5, 65536));

        v.put("event-data-stream", () -> new Event.Data(5, 0, null, bytes("hello")));
        v.put("event-data-udp", () -> new Event.Data(6, 0, v4("127.0.0.1", 5353), bytes(0x01, 0x02)));
        v.put("event-accept", () -> new Event.Accept(4, 7, v4("127.0.0.1", 40000)));
        v.put("event-ready-eof", () -> new Event.Ready(5, Posix.POLLIN | Posix.POLLRDHUP, 0));
        v.put("event-ready-error", () -> new Event.Ready(5, Posix.POLLERR, Errno.ECONNRESET.code()));

        v.put("socket", () -> new Request.Socket(1, Posix.AF_INET, Posix.SOCK_STREAM | Posix.SOCK_NONBLOCK, 0));
        v.put("socketpair", () -> new Request.SocketPair(2, Posix.AF_UNIX, Posix.SOCK_STREAM, 0));
        v.put("bind-v4", () -> new Request.Bind(3, 3, lo8080));
        v.put("connect-name", () -> new Request.Connect(4, 3, InetSocketAddress.createUnresolved("example.com", 443)));
        v.put("connect-v6", () -> new Request.Connect(5, 3, v6("::1", 443, -1)));
        v.put("connect-v6-scope", () -> new Request.Connect(6, 3, v6("fe80::1", 80, 2)));
        v.put("connect-v4-mapped", () -> new Request.Connect(7, 3, v6("::ffff:127.0.0.1", 80, -1)));
        v.put("listen", () -> new Request.Listen(8, 3, 128));
        v.put("accept", () -> new Request.Accept(9, 3, Posix.SOCK_NONBLOCK));
        v.put("send", () -> new Request.Send(10, 3, Posix.MSG_NOSIGNAL, bytes("hello")));
        v.put("recv", () -> new Request.Recv(11, 3, 65536, 0));
        v.put("sendto", () -> new Request.SendTo(12, 4, 0, v4("192.0.2.1", 53), bytes(0xab, 0xcd)));
        v.put("sendto-datagram", () -> new Request.SendTo(0, 4, 0, v4("127.0.0.1", 9999), bytes("ping")));
        v.put("recvfrom", () -> new Request.RecvFrom(13, 4, 1500, Posix.MSG_DONTWAIT));
        v.put("sendmsg", () -> new Request.SendMsg(14, 4, 0, null, bytes(0x01, 0x02, 0x03)));
        v.put("recvmsg", () -> new Request.RecvMsg(15, 4, 512, Posix.MSG_PEEK));
        v.put("shutdown", () -> new Request.Shutdown(16, 3, Posix.SHUT_WR));
        v.put("close", () -> new Request.Close(17, 3));
        v.put("getsockopt", () -> new Request.GetSockOpt(18, 3, Posix.SOL_SOCKET, 4));
        v.put("setsockopt", () -> new Request.SetSockOpt(19, 3, Posix.IPPROTO_TCP, 1, 1));
        v.put("setsockopt-rcvtimeo", () -> new Request.SetSockOpt(20, 3, Posix.SOL_SOCKET, 20, 1_500_000));
        v.put("getaddrinfo", () -> new Request.GetAddrInfo(21, "localhost", "80", Posix.AI_NUMERICSERV, Posix.AF_UNSPEC,
                Posix.SOCK_STREAM, 0));
        v.put("getaddrinfo-no-service", () -> new Request.GetAddrInfo(22, "example.com", null, 0, Posix.AF_INET, 0, 0));
        v.put("getnameinfo", () -> new Request.GetNameInfo(23, v4("127.0.0.1", 80), Posix.NI_NUMERICHOST | Posix.NI_NUMERICSERV));
        v.put("poll", () -> new Request.Poll(24, List.of(new PollFd(3, Posix.POLLIN), new PollFd(4, Posix.POLLOUT)), 1000));
        v.put("getsockname", () -> new Request.GetSockName(25, 3));
        v.put("getpeername", () -> new Request.GetPeerName(26, 3));
        v.put("push-on", () -> new Request.Push(27, 5, true, 65536));
        v.put("push-off", () -> new Request.Push(28, 5, false, 0));

        v.put("reply-error", () -> new Reply.Error(4, Errno.ECONNREFUSED, "Connection refused"));
        v.put("reply-error-eai", () -> new Reply.Error(21, GaiError.EAI_NONAME, "Name or service not known"));
        v.put("reply-ok", () -> new Reply.Ok(3));
        v.put("reply-value", () -> new Reply.Value(1, 3));
        v.put("reply-value-negative", () -> new Reply.Value(18, -1));
        v.put("reply-value-large", () -> new Reply.Value(18, 1L << 32));
        v.put("reply-socketpair", () -> new Reply.SocketPair(2, 7, 8));
        v.put("reply-accept", () -> new Reply.Accept(9, 9, v6("::1", 51000, -1)));
        v.put("reply-data", () -> new Reply.Data(11, 0, null, bytes("hello")));
        v.put("reply-data-eof", () -> new Reply.Data(11, 0, null, Unpooled.EMPTY_BUFFER));
        v.put("reply-data-truncated", () -> new Reply.Data(13, Posix.MSG_TRUNC, v4("127.0.0.1", 5353), bytes(0x00, 0x01)));
        v.put("reply-address", () -> new Reply.Address(25, lo8080));
        v.put("reply-addrinfo", () -> new Reply.AddrInfos(21, List.of(
                new AddrInfo(Posix.AF_INET, Posix.SOCK_STREAM, Posix.IPPROTO_TCP, v4("127.0.0.1", 80), "localhost"),
                new AddrInfo(Posix.AF_INET6, Posix.SOCK_STREAM, Posix.IPPROTO_TCP, v6("::1", 80, -1), null))));
        v.put("reply-nameinfo", () -> new Reply.NameInfo(23, "127.0.0.1", "80"));
        v.put("reply-poll", () -> new Reply.Poll(24, List.of(new PollFd(3, Posix.POLLIN))));
        return v;
    }

    private static ByteBuf bytes(String ascii) {
        return Unpooled.copiedBuffer(ascii, StandardCharsets.US_ASCII);
    }

    private static ByteBuf bytes(int... b) {
        ByteBuf buf = Unpooled.buffer(b.length);
        for (int x : b) {
            buf.writeByte(x);
        }
        return buf;
    }

    private static InetSocketAddress v4(String literal, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An IPv6 address that stays IPv6 even when v4-mapped; {@code scope} -1 for none. */
    private static InetSocketAddress v6(String literal, int port, int scope) {
        try {
            byte[] raw = InetAddress.getByName(literal).getAddress();
            if (raw.length == 4) {
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xff;
                mapped[11] = (byte) 0xff;
                System.arraycopy(raw, 0, mapped, 12, 4);
                raw = mapped;
            }
            return new InetSocketAddress(Inet6Address.getByAddress(null, raw, scope), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ the document

    record Vector(String name, String diagnostic, String hex) {
    }

    record BadVector(String name, String hex, int callId, int messageType) {
    }

    static Path protocolDoc() {
        return ProjectFiles.find("docs/protocol.md");
    }

    static List<String> section(String begin, String end) throws IOException {
        List<String> lines = Files.readAllLines(protocolDoc(), StandardCharsets.UTF_8);
        int from = lines.indexOf(begin);
        int to = lines.indexOf(end);
        assertTrue(from >= 0 && to > from, "docs/protocol.md needs the markers " + begin + " and " + end);
        return lines.subList(from + 1, to);
    }

    static List<Vector> documentedVectors() throws IOException {
        List<Vector> out = new ArrayList<>();
        for (String line : section(VECTORS_BEGIN, VECTORS_END)) {
            Matcher m = VECTOR_ROW.matcher(line.trim());
            if (m.matches()) {
                out.add(new Vector(m.group(1), m.group(2), m.group(3)));
            } else if (line.trim().startsWith("| ") && !line.contains("---") && !line.contains("| name |")) {
                fail("unparsable vector row: " + line);
            }
        }
        return out;
    }

    static List<BadVector> documentedBadVectors() throws IOException {
        List<BadVector> out = new ArrayList<>();
        for (String line : section(BAD_BEGIN, BAD_END)) {
            Matcher m = BAD_ROW.matcher(line.trim());
            if (m.matches()) {
                String t = m.group(4);
                int type = t.startsWith("0x") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
                out.add(new BadVector(m.group(1), m.group(2), Integer.parseInt(m.group(3)), type));
            } else if (line.trim().startsWith("| ") && !line.contains("---") && !line.contains("| name |")) {
                fail("unparsable bad-vector row: " + line);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void theDocumentListsExactlyTheVectorsDefinedHere() throws IOException {
        List<String> documented = documentedVectors().stream().map(Vector::name).toList();
        assertEquals(List.copyOf(vectors().keySet()), documented);
    }

    @Test
    void everyVectorEncodesToItsDocumentedHex() throws IOException {
        Map<String, Supplier<Message>> vs = vectors();
        for (Vector d : documentedVectors()) {
            ByteBuf frame = codec.encode(vs.get(d.name()).get(), UnpooledByteBufAllocator.DEFAULT);
            try {
                assertEquals(d.hex(), ByteBufUtil.hexDump(frame), d.name());
            } finally {
                frame.release();
            }
        }
    }

    @Test
    void everyDocumentedHexDecodesToItsMessage() throws Exception {
        Map<String, Supplier<Message>> vs = vectors();
        for (Vector d : documentedVectors()) {
            // a heap slice at a non-zero offset and a direct buffer: the decoder must not care where the bytes sit
            ByteBuf backing = Unpooled.buffer().writeZero(7).writeBytes(ByteBufUtil.decodeHexDump(d.hex()));
            ByteBuf heap = backing.slice(7, backing.readableBytes() - 7);
            ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(ByteBufUtil.decodeHexDump(d.hex()));
            try {
                for (ByteBuf frame : List.of(heap, direct)) {
                    Message expected = vs.get(d.name()).get();
                    Message got = codec.decode(frame);
                    try {
                        assertEquals(expected, got, d.name());
                        if (expected instanceof Request.Connect && ((Request.Connect) expected).address().getAddress() instanceof Inet6Address) {
                            Inet6Address want = (Inet6Address) ((Request.Connect) expected).address().getAddress();
                            InetAddress have = ((Request.Connect) got).address().getAddress();
                            assertTrue(have instanceof Inet6Address, d.name() + " stays IPv6");
                            assertEquals(want.getScopeId(), ((Inet6Address) have).getScopeId(), d.name() + " scope");
                        }
                    } finally {
                        Message.release(expected);
                        Message.release(got);
                    }
                }
            } finally {
                backing.release();
                direct.release();
            }
        }
    }

    @Test
    void theDiagnosticColumnMatchesTheHex() throws IOException {
        for (Vector d : documentedVectors()) {
            assertEquals(d.diagnostic(), Diagnostic.of(ByteBufUtil.decodeHexDump(d.hex())), d.name());
        }
    }

    @Test
    void badVectorsFailWithTheDocumentedCallId() throws IOException {
        List<BadVector> bad = documentedBadVectors();
        assertFalse(bad.isEmpty());
        for (BadVector b : bad) {
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> Message.release(codec.decode(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(b.hex())))), b.name());
            assertEquals(b.callId(), e.callId(), b.name() + ": " + e.getMessage());
            assertEquals(b.messageType(), e.messageType(), b.name() + ": " + e.getMessage());
            ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(ByteBufUtil.decodeHexDump(b.hex()));
            try {
                ProtocolException d = assertThrows(ProtocolException.class, () -> Message.release(codec.decode(direct)), b.name());
                assertEquals(b.callId(), d.callId(), b.name() + " (direct): " + d.getMessage());
            } finally {
                direct.release();
            }
        }
    }

    @Test
    void longTextStaysDefiniteLength() throws Exception {
        // Jackson's writeString switches to indefinite-length chunks above ~4000 characters; the protocol does not
        String reason = "r".repeat(5000);
        ByteBuf frame = codec.encode(new Reply.Error(1, Errno.EIO, reason), UnpooledByteBufAllocator.DEFAULT);
        try {
            assertEquals("8418400105791388", ByteBufUtil.hexDump(frame, 0, 8), "text of 5000 bytes: 79 1388");
            assertEquals(8 + 5000, frame.readableBytes());
            assertEquals(new Reply.Error(1, Errno.EIO, reason), codec.decode(frame));
        } finally {
            frame.release();
        }
    }

    /** Prints the rows of the vector table from the messages above. */
    public static void main(String[] args) {
        MessageCodec codec = MessageCodec.cbor();
        for (Map.Entry<String, Supplier<Message>> e : vectors().entrySet()) {
            ByteBuf f = codec.encode(e.getValue().get(), UnpooledByteBufAllocator.DEFAULT);
            byte[] b = ByteBufUtil.getBytes(f);
            f.release();
            System.out.println("| " + e.getKey() + " | `" + Diagnostic.of(b) + "` | `" + ByteBufUtil.hexDump(b) + "` |");
        }
    }

    /** CBOR diagnostic notation (RFC 8949 section 8) for the subset the protocol uses. */
    static final class Diagnostic {
        private final byte[] b;
        private int pos;

        private Diagnostic(byte[] b) {
            this.b = b;
        }

        static String of(byte[] b) {
            Diagnostic d = new Diagnostic(b);
            StringBuilder sb = new StringBuilder();
            d.item(sb);
            if (d.pos != b.length) {
                throw new IllegalArgumentException("trailing bytes");
            }
            return sb.toString();
        }

        private long argument(int ai) {
            if (ai < 24) {
                return ai;
            }
            int n = ai == 24 ? 1 : ai == 25 ? 2 : ai == 26 ? 4 : ai == 27 ? 8 : -1;
            if (n < 0) {
                throw new IllegalArgumentException("indefinite or reserved length");
            }
            long v = 0;
            for (int i = 0; i < n; i++) {
                v = (v << 8) | (b[pos++] & 0xff);
            }
            return v;
        }

        private void item(StringBuilder sb) {
            int ib = b[pos++] & 0xff;
            int major = ib >> 5;
            int ai = ib & 0x1f;
            switch (major) {
                case 0:
                    sb.append(Long.toUnsignedString(argument(ai)));
                    return;
                case 1:
                    sb.append(-1 - argument(ai));
                    return;
                case 2: {
                    int n = (int) argument(ai);
                    sb.append("h'").append(ByteBufUtil.hexDump(b, pos, n)).append('\'');
                    pos += n;
                    return;
                }
                case 3: {
                    int n = (int) argument(ai);
                    sb.append('"').append(new String(b, pos, n, StandardCharsets.UTF_8)).append('"');
                    pos += n;
                    return;
                }
                case 4: {
                    long n = argument(ai);
                    sb.append('[');
                    for (long i = 0; i < n; i++) {
                        if (i > 0) {
                            sb.append(", ");
                        }
                        item(sb);
                    }
                    sb.append(']');
                    return;
                }
                case 7:
                    sb.append(ai == 20 ? "false" : ai == 21 ? "true" : ai == 22 ? "null" : "simple(" + ai + ")");
                    return;
                default:
                    throw new IllegalArgumentException("major type " + major + " is not used by the protocol");
            }
        }
    }
}
