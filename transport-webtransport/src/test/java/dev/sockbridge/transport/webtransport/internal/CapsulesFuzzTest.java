package dev.sockbridge.transport.webtransport.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sockbridge.api.testing.LeakWatch;
import dev.sockbridge.api.testing.LeakWatched;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Coverage-guided fuzzing of the CONNECT stream's capsule parser (docs/fuzzing.md). Seeds
 * ({@code CapsulesFuzzTestInputs/parse}) are the capsules of {@link CapsulesTest} (Chromium's GREASE and close
 * capsules, drain, an unknown capsule, oversized and short close capsules), each followed by five bytes the
 * target reads as how to split them.
 *
 * <p>The contract checked: however the bytes are split into HTTP/3 DATA frames, {@link Capsules.Parser} reports
 * the same capsules as a whole-buffer reading of RFC 9297 framing written here (close and drain, or one
 * "malformed" after which nothing more), throws nothing, and releases every buffer it is fed and holds.
 */
@LeakWatched
class CapsulesFuzzTest {
    @FuzzTest(maxDuration = "5m")
    void parse(FuzzedDataProvider data) {
        long splitSeed = data.consumeInt();
        boolean direct = data.consumeBoolean();
        byte[] stream = data.consumeRemainingAsBytes();

        // counts what the fed buffers hold until the parser releases them
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(direct);
        CapsuleRecorder r = new CapsuleRecorder();
        Capsules.Parser parser = new Capsules.Parser(r);
        SplittableRandom splits = new SplittableRandom(splitSeed);
        int i = 0;
        while (i < stream.length) {
            int n = splitSeed == 0 ? stream.length : Math.min(stream.length - i, 1 + splits.nextInt(24));
            parser.feed(alloc.buffer(n).writeBytes(stream, i, n));
            i += n;
        }
        parser.feed(alloc.buffer(0)); // an empty DATA frame is legal
        parser.release();
        assertEquals(0, alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory(), "fed buffers released");
        assertEquals(reference(stream), r.events, "split with seed " + splitSeed);
        LeakWatch.assertNoLeakReported();
    }

    /** RFC 9297 capsules read from the whole stream at once: the events the parser must report. */
    static List<String> reference(byte[] b) {
        List<String> events = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            int typeLen = varintLength(b[i]);
            if (i + typeLen >= b.length || i + typeLen + varintLength(b[i + typeLen]) > b.length) {
                break; // an incomplete header waits for bytes that never come
            }
            long type = varint(b, i);
            i += typeLen;
            long length = varint(b, i);
            i += varintLength(b[i]);
            boolean close = type == WebTransportProtocol.CAPSULE_CLOSE_SESSION;
            if (close || type == WebTransportProtocol.CAPSULE_DRAIN_SESSION) {
                long max = close ? 4 + WebTransportProtocol.MAX_CLOSE_REASON_BYTES : 0;
                if (length > max || (close && length < 4)) {
                    events.add("malformed");
                    break;
                }
                if (b.length - i < length) {
                    break;
                }
                if (close) {
                    int code = ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
                    // decoded as the parser's ByteBuf does (malformed UTF-8 becomes U+FFFD either way)
                    String reason = Unpooled.wrappedBuffer(b, i + 4, (int) length - 4).toString(StandardCharsets.UTF_8);
                    events.add("close " + Integer.toUnsignedString(code) + " " + reason);
                } else {
                    events.add("drain");
                }
                i += (int) length;
            } else if (length >= b.length - i) {
                break; // the rest of the stream is this capsule's payload
            } else {
                i += (int) length;
            }
        }
        return events;
    }

    private static int varintLength(byte first) {
        return 1 << ((first & 0xff) >>> 6);
    }

    private static long varint(byte[] b, int at) {
        int n = varintLength(b[at]);
        long v = b[at] & 0x3f;
        for (int k = 1; k < n; k++) {
            v = (v << 8) | (b[at + k] & 0xff);
        }
        return v;
    }
}
