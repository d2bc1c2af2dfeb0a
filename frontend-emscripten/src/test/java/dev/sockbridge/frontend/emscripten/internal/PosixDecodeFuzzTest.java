package dev.sockbridge.frontend.emscripten.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sockbridge.api.message.DataCarrier;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.LeakWatch;
import dev.sockbridge.api.testing.LeakWatched;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the Emscripten PROXY_POSIX_SOCKETS request decoder (docs/fuzzing.md). Without
 * {@code JAZZER_FUZZ} the fuzz test runs once per seed file ({@code PosixDecodeFuzzTestInputs/decode}: the wire
 * sequence of Emscripten's tcp_echo_client and one request of every other opcode of
 * shared/emscripten-protocol.md A2.2).
 *
 * <p>The contract checked on every frame of at least a header (shorter ones never reach the decoder):
 * {@link PosixDecoder#decode} returns a request carrying the engine id it was given, or throws
 * {@link PosixDecoder.Malformed} with a positive errno, never anything else; SEND/SENDTO data is a retained slice
 * of the frame that lies inside it, and is the only reference the decoder adds; the same bytes decode the same
 * way from a heap array, from a buffer whose reader index is not 0, and from a pooled direct buffer.
 */
@LeakWatched
class PosixDecodeFuzzTest {
    private static final int ENGINE_ID = 7;

    @FuzzTest(maxDuration = "5m")
    void decode(byte[] input) {
        if (input.length < PosixWire.REQUEST_HEADER) {
            return; // answered or dropped by PosixSession.frame before decoding
        }
        String heap = decodeChecked(Unpooled.wrappedBuffer(input));
        // the decoder indexes from the reader index: a frame that is a slice of a larger read must decode alike
        ByteBuf backing = Unpooled.buffer(input.length + 11).writeZero(11).writeBytes(input).writeZero(5);
        String offset;
        try {
            offset = decodeChecked(backing.retainedSlice(11, input.length));
        } finally {
            backing.release();
        }
        String direct = decodeChecked(PooledByteBufAllocator.DEFAULT.directBuffer(input.length).writeBytes(input));
        assertEquals(heap, offset, "heap array vs slice at an offset");
        assertEquals(heap, direct, "heap vs direct");
        LeakWatch.assertNoLeakReported();
    }

    /** Decodes {@code frame} (released here) as PosixSession.frame would and checks the contract; describes the outcome. */
    private static String decodeChecked(ByteBuf frame) {
        try {
            int refCnt = frame.refCnt();
            int b = frame.readerIndex();
            PosixCall c = new PosixCall(frame.getIntLE(b), frame.getIntLE(b + 4));
            Request r;
            try {
                r = PosixDecoder.decode(c, frame, ENGINE_ID);
            } catch (PosixDecoder.Malformed e) {
                assertTrue(e.errno > 0, "errno " + e.errno);
                assertNotNull(e.getMessage());
                assertEquals(refCnt, frame.refCnt(), "a refused request keeps no reference to the frame");
                return "malformed errno=" + e.errno;
            }
            try {
                assertNotNull(r);
                assertEquals(ENGINE_ID, r.callId(), "engine id");
                if (r instanceof DataCarrier) {
                    ByteBuf data = ((DataCarrier) r).data();
                    int at = dataStart(c.op, b);
                    assertTrue(at + data.readableBytes() <= frame.writerIndex(), "data inside the frame");
                    assertTrue(ByteBufUtil.equals(data, data.readerIndex(), frame, at, data.readableBytes()), "data is the frame's bytes");
                }
                return describe(r) + " " + describe(c);
            } finally {
                Message.release(r);
                assertEquals(refCnt, frame.refCnt(), "the request's data was the only extra reference");
            }
        } finally {
            frame.release();
        }
    }

    private static int dataStart(int op, int b) {
        return b + (op == PosixWire.SENDTO ? 24 + PosixWire.MAX_SOCKADDR : 20);
    }

    /** A request's components, with data as hex so that heap and direct buffers compare by content. */
    private static String describe(Request r) {
        StringBuilder s = new StringBuilder(r.getClass().getSimpleName()).append('[');
        for (RecordComponent rc : r.getClass().getRecordComponents()) {
            Object v;
            try {
                v = rc.getAccessor().invoke(r);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            s.append(rc.getName()).append('=').append(v instanceof ByteBuf ? ByteBufUtil.hexDump((ByteBuf) v) : Objects.toString(v)).append(' ');
        }
        return s.append(']').toString();
    }

    private static String describe(PosixCall c) {
        return "call[fd=" + c.fd + " closeAfter=" + c.closeAfter + " addrMax=" + c.addrMax + " optLen=" + c.optLen
                + " opt=" + c.opt + " gaiFlags=" + c.gaiFlags + "]";
    }

    // ------------------------------------------------------------------ the seeds themselves

    /** Seeds named {@code opNN-...} are well-formed requests (the fuzzer should start from frames that decode). */
    @Test
    void seedsOfImplementedOpcodesDecode() throws IOException {
        String[] seeds = {
            "op01-socket-inet-stream", "op02-socketpair", "op03-shutdown-rdwr", "op04-bind-sin", "op05-connect-sin",
            "op05-connect-sin6-scope", "op05-connect-sin6-short", "op06-listen", "op07-accept", "op08-getsockname-short",
            "op09-getpeername", "op10-send-hell", "op11-recv-256", "op12-sendto-connected", "op12-sendto-sin",
            "op13-recvfrom", "op16-getsockopt-so-error", "op17-setsockopt-linger", "op17-setsockopt-rcvtimeo-timeval64",
            "op17-setsockopt-reuseaddr", "op18-getaddrinfo-google",
        };
        List<String> refused = new ArrayList<>();
        for (String name : seeds) {
            String outcome = decodeChecked(Unpooled.wrappedBuffer(seed(name)));
            if (outcome.startsWith("malformed")) {
                refused.add(name + ": " + outcome);
            }
        }
        assertTrue(refused.isEmpty(), "seeds that do not decode: " + refused);
        assertEquals("SendTo[callId=7 fd=2 flags=0 address=/127.0.0.1:5353 data=70696e67 ]",
                decodeChecked(Unpooled.wrappedBuffer(seed("op12-sendto-sin"))).split(" call")[0]);
    }

    private static byte[] seed(String name) throws IOException {
        try (InputStream in = PosixDecodeFuzzTest.class.getResourceAsStream("PosixDecodeFuzzTestInputs/decode/" + name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }
}
