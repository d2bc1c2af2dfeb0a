package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CapsulesTest {
    /** Records the flow-control capsules too. */
    private static final class Recorder extends CapsuleRecorder {
        @Override
        public void maxDataCapsule(long max) {
            events.add("max-data " + max);
        }

        @Override
        public void maxStreamsCapsule(boolean bidi, long max) {
            events.add("max-streams " + (bidi ? "bidi " : "uni ") + max);
        }

        @Override
        public void dataBlockedCapsule(long limit) {
            events.add("data-blocked " + limit);
        }
    }

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
    }

    @Test
    void parsesChromiumsCloseCapsuleAfterAGreaseCapsule() {
        Recorder r = new Recorder();
        Capsules.Parser parser = new Capsules.Parser(r);
        // GREASE capsule type 0x0c15ca8292ac6fe88 style: 8-byte varint type, length 13, 13 random bytes
        parser.feed(hex("c15ca8292ac6fe88" + "0d" + "00112233445566778899aabbcc"));
        // as sent by Chromium on close(): type 0x2843, length 8, code 0, "done"
        parser.feed(hex("6843" + "08" + "00000000" + "646f6e65"));
        assertEquals(List.of("close 0 done"), r.events);
    }

    @Test
    void capsulesSplitAnywhereAcrossDataFramesStillParse() {
        ByteBuf all = Unpooled.buffer();
        all.writeBytes(HexFormat.of().parseHex("7fff" + "4100" + "00".repeat(256))); // unknown, 256-byte payload
        ByteBuf drain = Capsules.drainSession(ByteBufAllocator.DEFAULT);
        ByteBuf close = Capsules.closeSession(ByteBufAllocator.DEFAULT, 0xfffffffe, "bye ✓");
        all.writeBytes(drain);
        all.writeBytes(close);
        drain.release();
        close.release();
        for (int split = 1; split < all.readableBytes(); split += 7) {
            Recorder r = new Recorder();
            Capsules.Parser parser = new Capsules.Parser(r);
            int i = 0;
            while (i < all.readableBytes()) {
                int n = Math.min(split, all.readableBytes() - i);
                parser.feed(all.retainedSlice(i, n));
                i += n;
            }
            assertEquals(List.of("drain", "close 4294967294 bye ✓"), r.events, "split " + split);
            parser.release();
        }
        all.release();
    }

    @Test
    void oversizedCloseCapsuleIsMalformed() {
        Recorder r = new Recorder();
        new Capsules.Parser(r).feed(hex("6843" + "4800")); // length 2048 > 4 + 1024
        assertEquals(List.of("malformed"), r.events);
    }

    @Test
    void closeReasonIsTruncatedToWholeUtf8CharactersWithin1024Bytes() {
        String reason = "é".repeat(600); // 1200 bytes
        ByteBuf capsule = Capsules.closeSession(ByteBufAllocator.DEFAULT, 5, reason);
        assertEquals(WebTransportProtocol.CAPSULE_CLOSE_SESSION, Varint.read(capsule));
        long length = Varint.read(capsule);
        assertEquals(5, capsule.readInt());
        String text = capsule.readCharSequence((int) length - 4, StandardCharsets.UTF_8).toString();
        assertEquals("é".repeat(512), text);
        capsule.release();
    }

    @Test
    void varintsRoundTripAtEveryLength() {
        for (long v : new long[] {0, 63, 64, 16383, 16384, (1L << 30) - 1, 1L << 30, Varint.MAX}) {
            ByteBuf b = Unpooled.buffer();
            Varint.write(b, v);
            assertEquals(Varint.size(v), b.readableBytes());
            assertTrue(Varint.isReadable(b));
            assertEquals(v, Varint.read(b));
        }
        assertEquals("4041", HexFormat.of().formatHex(ByteBufUtilHex.bytes(Varint.write(Unpooled.buffer(), 0x41))));
    }

    @Test
    void flowControlCapsulesAreOneVarintEachAndAnythingElseIsMalformed() {
        Recorder r = new Recorder();
        Capsules.Parser parser = new Capsules.Parser(r);
        parser.feed(Capsules.maxData(ByteBufAllocator.DEFAULT, 1L << 30));
        parser.feed(Capsules.varintCapsule(ByteBufAllocator.DEFAULT, WebTransportProtocol.CAPSULE_WT_MAX_STREAMS_BIDI, 7));
        parser.feed(Capsules.varintCapsule(ByteBufAllocator.DEFAULT, WebTransportProtocol.CAPSULE_WT_MAX_STREAMS_UNI, 9));
        parser.feed(Capsules.dataBlocked(ByteBufAllocator.DEFAULT, 1000));
        assertEquals(List.of("max-data 1073741824", "max-streams bidi 7", "max-streams uni 9", "data-blocked 1000"),
                r.events);
        // WT_MAX_DATA whose length says two bytes around a one-byte varint
        Recorder bad = new Recorder();
        new Capsules.Parser(bad).feed(hex("990b4d3d" + "02" + "05" + "00"));
        assertEquals(List.of("malformed"), bad.events);
    }

    @Test
    void theBytesHeldBetweenFeedsAreReportedAndGivenBackAtRelease() {
        Recorder r = new Recorder();
        long[] held = new long[1];
        Capsules.Parser parser = new Capsules.Parser(r, d -> held[0] += d);
        // a huge unknown capsule in part: skipped, nothing held
        parser.feed(hex("17" + "bfffffff" + "00".repeat(300)));
        assertEquals(0, held[0]);
        assertEquals(0, parser.held());
        Recorder r2 = new Recorder();
        long[] held2 = new long[1];
        Capsules.Parser closing = new Capsules.Parser(r2, d -> held2[0] += d);
        closing.feed(hex("6843" + "4404" + "00000007" + "61".repeat(100))); // 1028-byte close capsule, in part
        assertEquals(2 + 2 + 4 + 100, held2[0]);
        assertEquals(held2[0], closing.held());
        closing.feed(hex("61".repeat(1024 - 100))); // the rest: the capsule is read, nothing held
        assertEquals(0, held2[0]);
        assertEquals(1, r2.events.size());
        closing.feed(hex("6843" + "08" + "0000")); // another, in part, then released with the stream
        assertEquals(5, held2[0]);
        closing.release();
        assertEquals(0, held2[0]);
    }

    private static final class ByteBufUtilHex {
        static byte[] bytes(ByteBuf b) {
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        }
    }
}
