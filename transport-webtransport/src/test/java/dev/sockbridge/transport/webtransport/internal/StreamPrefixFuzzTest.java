package dev.sockbridge.transport.webtransport.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sockbridge.api.testing.LeakWatch;
import dev.sockbridge.api.testing.LeakWatched;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Coverage-guided fuzzing of the WebTransport stream prefix reader, {@link StreamPrefixHandler}, on an
 * {@link EmbeddedChannel} (docs/fuzzing.md). Seeds ({@code StreamPrefixFuzzTestInputs/prefix}) are the prefixes of
 * draft-ietf-webtrans-http3 as Chromium sends them (bidi {@code 0x41 + session id}, uni {@code session id}) with
 * payload, an HTTP/3 HEADERS frame on a request stream, and varints of every length; each is followed by the
 * bytes the target reads as stream kind, what the session does, FIN, and how to split.
 *
 * <p>The contract checked, however the bytes are split into reads: the session id is the one a whole-buffer
 * reading gives, reported once; a bidi stream that is not WebTransport reaches the HTTP/3 codec behind the handler
 * byte for byte; after the session takes the stream, its handler gets exactly the bytes after the prefix and then
 * the FIN events; a FIN inside the prefix closes the stream; nothing throws, and every buffer is released however
 * the stream ends (taken, held and then taken, or refused and closed).
 */
@LeakWatched
class StreamPrefixFuzzTest {
    /** What the sink does with a prefixed stream, as WebTransportConnection may. */
    private enum Action { TAKE, HOLD_THEN_TAKE, REFUSE }

    @FuzzTest(maxDuration = "5m")
    void prefix(FuzzedDataProvider data) {
        long splitSeed = data.consumeInt();
        boolean bidi = data.consumeBoolean();
        boolean fin = data.consumeBoolean();
        Action action = data.pickValue(Action.values());
        byte[] bytes = data.consumeRemainingAsBytes();

        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);
        Sink sink = new Sink(action);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        Recorder http3 = new Recorder();
        ch.pipeline().addLast("prefix", bidi ? StreamPrefixHandler.sniffBidi(sink) : StreamPrefixHandler.uni(sink));
        if (bidi) {
            ch.pipeline().addLast("http3", http3);
        }

        SplittableRandom splits = new SplittableRandom(splitSeed);
        for (int i = 0; i < bytes.length && ch.isOpen(); ) {
            int n = splitSeed == 0 ? bytes.length : Math.min(bytes.length - i, 1 + splits.nextInt(6));
            ch.writeInbound(alloc.buffer(n).writeBytes(bytes, i, n));
            i += n;
        }
        if (fin && ch.isOpen()) {
            ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            ch.pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
        }
        if (sink.held != null && ch.isOpen()) {
            sink.take(); // the CONNECT stream's answer arrived after the stream's bytes
        }
        ch.runPendingTasks();

        Expected want = expected(bytes, bidi);
        assertFalse(http3.readAfterFin || sink.session.readAfterFin, "no bytes after FIN");
        switch (want.kind) {
            case SESSION:
                assertEquals(List.of(want.sessionId), sink.ids, "session id reported once");
                assertEquals(0, http3.bytes.size(), "a WebTransport stream never reaches the HTTP/3 codec");
                if (action == Action.REFUSE) {
                    assertFalse(ch.isOpen(), "a refused stream is closed");
                } else {
                    assertArrayEquals(Arrays.copyOfRange(bytes, want.prefixLength, bytes.length),
                            sink.session.bytes.toByteArray(), "the session's handler gets the bytes after the prefix");
                    assertEquals(fin, sink.session.finished, "FIN reaches the session after the bytes");
                }
                break;
            case HTTP3:
                assertTrue(sink.ids.isEmpty());
                assertArrayEquals(bytes, http3.bytes.toByteArray(), "the HTTP/3 codec gets the request stream intact");
                assertEquals(fin, http3.finished, "and its FIN");
                break;
            case UNDECIDED: // the stream ended (or not yet) inside a bidi stream's first varint
                assertTrue(sink.ids.isEmpty());
                assertArrayEquals(fin ? bytes : new byte[0], http3.bytes.toByteArray(), "FIN hands the bytes to HTTP/3");
                assertEquals(fin, http3.finished);
                break;
            default: // inside the session id
                assertTrue(sink.ids.isEmpty());
                assertEquals(0, http3.bytes.size());
                assertEquals(!fin, ch.isOpen(), "FIN inside the prefix closes the stream");
                break;
        }
        ch.finishAndReleaseAll();
        assertEquals(0, alloc.metric().usedHeapMemory(), "every buffer released");
        LeakWatch.assertNoLeakReported();
    }

    private enum Kind { SESSION, HTTP3, UNDECIDED, PARTIAL_SESSION_ID }

    private record Expected(Kind kind, long sessionId, int prefixLength) {
    }

    /** The prefix read from the whole stream at once. */
    private static Expected expected(byte[] b, boolean bidi) {
        int at = 0;
        if (bidi) {
            if (b.length == 0 || varintLength(b[0]) > b.length) {
                return new Expected(Kind.UNDECIDED, -1, 0);
            }
            if (varint(b, 0) != WebTransportProtocol.BIDI_STREAM_SIGNAL) {
                return new Expected(Kind.HTTP3, -1, 0);
            }
            at = varintLength(b[0]);
        }
        if (at >= b.length || at + varintLength(b[at]) > b.length) {
            return new Expected(Kind.PARTIAL_SESSION_ID, -1, 0);
        }
        return new Expected(Kind.SESSION, varint(b, at), at + varintLength(b[at]));
    }

    private static int varintLength(byte first) {
        return 1 << ((first & 0xff) >>> 6);
    }

    private static long varint(byte[] b, int at) {
        long v = b[at] & 0x3f;
        for (int k = 1; k < varintLength(b[at]); k++) {
            v = (v << 8) | (b[at + k] & 0xff);
        }
        return v;
    }

    /** Stands in for WebTransportConnection: takes, holds or refuses the stream as told. */
    private static final class Sink implements StreamPrefixHandler.Sink {
        final Action action;
        final List<Long> ids = new ArrayList<>();
        final Recorder session = new Recorder();
        StreamPrefixHandler held;
        Channel heldStream;

        Sink(Action action) {
            this.action = action;
        }

        @Override
        public void streamPrefixed(StreamPrefixHandler prefix, Channel stream, long sessionId, boolean bidi) {
            ids.add(sessionId);
            switch (action) {
                case TAKE:
                    stream.pipeline().addLast("session", session);
                    prefix.release();
                    break;
                case HOLD_THEN_TAKE:
                    held = prefix;
                    heldStream = stream;
                    break;
                default:
                    stream.close();
                    break;
            }
        }

        void take() {
            heldStream.pipeline().addLast("session", session);
            held.release();
        }
    }

    /** Collects the bytes it reads (releasing them) and whether FIN came after all of them. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean finished;
        boolean readAfterFin;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            readAfterFin |= finished;
            byte[] copy = new byte[b.readableBytes()];
            b.readBytes(copy);
            bytes.writeBytes(copy);
            b.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                finished = true;
            }
        }
    }
}
