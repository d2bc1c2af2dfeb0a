package dev.sockbridge.api.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.testing.LeakWatch;
import dev.sockbridge.api.testing.LeakWatched;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Coverage-guided fuzzing of the CBOR decoder (docs/fuzzing.md). Without {@code JAZZER_FUZZ} the fuzz test runs
 * once per file of its seed corpus ({@code CborCodecFuzzTestInputs/decode}: every golden and bad vector of
 * docs/protocol.md plus hostile lengths and nesting), as an ordinary test.
 *
 * <p>The contract checked on every input: {@link MessageCodec#decode} returns a message or throws
 * {@link ProtocolException}, never anything else; the same bytes decode the same way from a heap array, a heap
 * slice at an offset and a direct buffer longer than the decoder's 512-byte prefix; the frame's reference count
 * is what it was (the decoded message's data slice is its own reference, released here); and whatever decodes
 * re-encodes, and the re-encoding decodes to an equal message and encodes again to the same bytes.
 */
@LeakWatched
class CborCodecFuzzTest {
    private static final MessageCodec CODEC = MessageCodec.cbor();
    static final String SEEDS = "CborCodecFuzzTestInputs/decode/";

    @FuzzTest(maxDuration = "5m")
    void decode(byte[] input) {
        Outcome heap = decodeChecked(Unpooled.wrappedBuffer(input));
        // at a non-zero array offset, as a slice of a WebSocket frame's buffer would be
        ByteBuf backing = Unpooled.buffer(input.length + 7).writeZero(7).writeBytes(input);
        Outcome sliced;
        try {
            sliced = decodeChecked(backing.retainedSlice(7, input.length));
        } finally {
            backing.release();
        }
        Outcome off = decodeChecked(PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, input.length)).writeBytes(input));
        assertEquals(heap, sliced, "heap array vs heap slice");
        assertEquals(heap, off, "heap vs direct");
        LeakWatch.assertNoLeakReported();
    }

    /** What a decode came to, comparable across buffer kinds: the message's canonical encoding, or the error's ids. */
    private record Outcome(String encoded, int type, int callId) {
    }

    /** Decodes {@code frame} (released here) and checks the contract; the message, if any, is released. */
    private static Outcome decodeChecked(ByteBuf frame) {
        try {
            int refCnt = frame.refCnt();
            Message m;
            try {
                m = CODEC.decode(frame);
            } catch (ProtocolException e) {
                assertEquals(refCnt, frame.refCnt(), "a failed decode keeps no reference to the frame");
                assertNotNull(e.getMessage());
                return new Outcome(null, e.messageType(), e.callId());
            }
            try {
                assertNotNull(m);
                return new Outcome(roundTrip(frame, m), m.messageType().code(), -1);
            } finally {
                Message.release(m);
                assertEquals(refCnt, frame.refCnt(), "the decoded message's data was the only extra reference");
            }
        } finally {
            frame.release();
        }
    }

    /** encode(decode(frame)) decodes to an equal message, and encoding is then a fixed point; returns its hex. */
    private static String roundTrip(ByteBuf frame, Message m) {
        Message again;
        try {
            again = CODEC.decode(frame); // encoding consumes the data buffer; m stays intact for the comparison
        } catch (ProtocolException e) {
            throw new AssertionError("decoded once, failed the second time", e);
        }
        ByteBuf encoded = CODEC.encode(again, UnpooledByteBufAllocator.DEFAULT);
        try {
            byte[] first = ByteBufUtil.getBytes(encoded);
            Message back;
            try {
                back = CODEC.decode(encoded);
            } catch (ProtocolException e) {
                throw new AssertionError("the encoder's own output does not decode: " + ByteBufUtil.hexDump(first), e);
            }
            try {
                assertEquals(m, back, "decode(encode(m))");
                ByteBuf second = CODEC.encode(back, UnpooledByteBufAllocator.DEFAULT);
                back = null; // encode released its data
                try {
                    assertArrayEquals(first, ByteBufUtil.getBytes(second), "encoding is deterministic");
                    return ByteBufUtil.hexDump(first);
                } finally {
                    second.release();
                }
            } finally {
                if (back != null) {
                    Message.release(back);
                }
            }
        } finally {
            encoded.release();
        }
    }

    // ------------------------------------------------------------------ plain tests of the corpus and of findings

    /** The corpus starts from the document: each golden and bad vector is a seed file of the same name. */
    @Test
    void seedCorpusHoldsEveryDocumentedVector() throws IOException {
        List<String> missing = new ArrayList<>();
        for (GoldenVectorsTest.Vector v : GoldenVectorsTest.documentedVectors()) {
            checkSeed("golden-" + v.name(), v.hex(), missing);
        }
        for (GoldenVectorsTest.BadVector v : GoldenVectorsTest.documentedBadVectors()) {
            checkSeed("bad-" + v.name(), v.hex(), missing);
        }
        assertTrue(missing.isEmpty(), "seed files missing or stale (regenerate from docs/protocol.md): " + missing);
    }

    private static void checkSeed(String name, String hex, List<String> missing) throws IOException {
        try (InputStream in = CborCodecFuzzTest.class.getResourceAsStream(SEEDS + name)) {
            if (in == null || !ByteBufUtil.hexDump(in.readAllBytes()).equals(hex)) {
                missing.add(name);
            }
        }
    }

    /** Text that is not UTF-8 is refused, also where Jackson would decode it leniently (a finding of the fuzzer). */
    @Test
    void invalidUtf8TextIsAProtocolError() {
        String[] agents = {
            "62c080",       // overlong NUL
            "63eda080",     // a UTF-16 surrogate encoded as UTF-8
            "64f269083d",   // a 4-byte lead followed by ASCII
            "62f66a",       // a lead byte that UTF-8 never uses, cut short
            "7f61616180ff", // an indefinite string whose chunk holds a lone continuation byte
        };
        for (String agent : agents) {
            Outcome o = decodeChecked(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("83018101" + agent)));
            assertEquals(null, o.encoded(), agent + " decoded");
        }
        Outcome ok = decodeChecked(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("83018101" + "7f6161626262ff")));
        assertNotNull(ok.encoded(), "chunks of valid UTF-8");
    }

    /** Tags after a message are trailing bytes, though Jackson reads them and reports no further token. */
    @Test
    void trailingTagsAreTrailingBytes() {
        Outcome o = decodeChecked(Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump("8218410c" + "c6c6")));
        assertEquals(new Outcome(null, 0x41, 12), o); // ok reply, call 12
    }

    /** Declared lengths up to 2^64-1 in every position are refused without allocating them. */
    @Test
    void hugeDeclaredLengthsAreProtocolErrors() {
        String[] frames = {
            "85160a03005bffffffffffffffff", // send: data of 2^64-1 bytes
            "85160a03005b0000000100000000", // send: data of 2^32 bytes
            "85160a03005affffffff",          // send: data of 2^32-1 bytes
            "88182001" + "7bffffffffffffffff", // getaddrinfo: host of 2^64-1 bytes
            "9bffffffffffffffff",            // an array of 2^64-1 elements
            "8301" + "9bffffffffffffffff",   // hello: 2^64-1 versions
            "bbffffffffffffffff",            // a map of 2^64-1 entries
        };
        for (String hex : frames) {
            byte[] b = ByteBufUtil.decodeHexDump(hex);
            Outcome o = decodeChecked(Unpooled.wrappedBuffer(b));
            if (o.encoded() != null) {
                fail(hex + " decoded to " + o.encoded());
            }
        }
    }
}
