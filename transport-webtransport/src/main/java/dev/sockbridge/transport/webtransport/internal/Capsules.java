package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.CAPSULE_CLOSE_SESSION;
import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.CAPSULE_DRAIN_SESSION;
import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.MAX_CLOSE_REASON_BYTES;

/**
 * RFC 9297 capsules on a WebTransport CONNECT stream: {@code varint type, varint length, payload}, carried in
 * HTTP/3 DATA frames that may split or join capsules anywhere.
 *
 * <p>{@link Parser} is streaming: it handles {@code CLOSE_WEBTRANSPORT_SESSION} (0x2843: u32 code + UTF-8
 * reason), {@code DRAIN_WEBTRANSPORT_SESSION} (0x78ae) and the draft-13+ flow-control capsules WT_MAX_DATA,
 * WT_MAX_STREAMS (bidi, uni) and WT_DATA_BLOCKED (one varint each), and skips every other type (Chromium sends a
 * GREASE capsule right after CONNECT) without buffering its payload. A close capsule longer than 4 + 1024 bytes,
 * or a flow-control capsule that is not exactly one varint, is a protocol violation and is reported as
 * malformed. So a parser never holds more than {@link #MAX_HELD_BYTES} between calls, and tells how much it
 * holds.
 *
 * <p>Threading: a parser belongs to one stream and is used on its event loop only.
 */
public final class Capsules {
    private Capsules() {
    }

    public static ByteBuf closeSession(ByteBufAllocator alloc, int code, String reason) {
        byte[] text = truncateUtf8(reason == null ? "" : reason, MAX_CLOSE_REASON_BYTES);
        ByteBuf out = alloc.buffer(16 + text.length);
        Varint.write(out, CAPSULE_CLOSE_SESSION);
        Varint.write(out, 4 + text.length);
        out.writeInt(code);
        out.writeBytes(text);
        return out;
    }

    public static ByteBuf drainSession(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(8);
        Varint.write(out, CAPSULE_DRAIN_SESSION);
        Varint.write(out, 0);
        return out;
    }

    /** The longest prefix of {@code s} that encodes to at most {@code maxBytes} bytes without splitting a char. */
    static byte[] truncateUtf8(String s, int maxBytes) {
        byte[] all = s.getBytes(StandardCharsets.UTF_8);
        if (all.length <= maxBytes) {
            return all;
        }
        CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        ByteBuffer out = ByteBuffer.allocate(maxBytes);
        encoder.encode(CharBuffer.wrap(s), out, true); // stops at the last whole character that fits
        byte[] result = new byte[out.position()];
        out.flip().get(result);
        return result;
    }

    public static ByteBuf maxData(ByteBufAllocator alloc, long max) {
        return varintCapsule(alloc, WebTransportProtocol.CAPSULE_WT_MAX_DATA, max);
    }

    public static ByteBuf dataBlocked(ByteBufAllocator alloc, long limit) {
        return varintCapsule(alloc, WebTransportProtocol.CAPSULE_WT_DATA_BLOCKED, limit);
    }

    public static ByteBuf streamsBlocked(ByteBufAllocator alloc, boolean bidi, long limit) {
        return varintCapsule(alloc, bidi ? WebTransportProtocol.CAPSULE_WT_STREAMS_BLOCKED_BIDI
                : WebTransportProtocol.CAPSULE_WT_STREAMS_BLOCKED_UNI, limit);
    }

    static ByteBuf varintCapsule(ByteBufAllocator alloc, long type, long value) {
        ByteBuf out = alloc.buffer(17);
        Varint.write(out, type);
        Varint.write(out, Varint.size(value));
        Varint.write(out, value);
        return out;
    }

    /** Receives the capsules a {@link Parser} understood. */
    public interface Listener {
        void closeSessionCapsule(int code, String reason);

        void drainSessionCapsule();

        /** A known capsule with an impossible length; the session should be closed. */
        void malformedCapsule(String why);

        /** WT_MAX_DATA: the peer's session data credit is now {@code max} bytes in all. */
        default void maxDataCapsule(long max) {
        }

        /** WT_MAX_STREAMS: the peer now lets us open {@code max} streams of that kind in all. */
        default void maxStreamsCapsule(boolean bidi, long max) {
        }

        /** WT_DATA_BLOCKED: the peer has used up the data credit {@code limit} we granted. */
        default void dataBlockedCapsule(long limit) {
        }
    }

    /**
     * The most bytes a parser ever holds: the rest of a capsule it must read whole (a close capsule with the
     * longest reason, its type and length), since every other capsule is skipped as it arrives.
     */
    public static final int MAX_HELD_BYTES = 4 + MAX_CLOSE_REASON_BYTES + 16;

    /** Streaming capsule parser; see the class comment. */
    public static final class Parser {
        private final Listener listener;
        private final LongConsumer heldDelta;
        private ByteBuf pending = Unpooled.EMPTY_BUFFER;
        private long skipRemaining;
        private boolean failed;

        public Parser(Listener listener) {
            this(listener, d -> { });
        }

        /**
         * {@code heldDelta} hears every change of the bytes this parser holds between calls (the unread rest of a
         * capsule that arrived in part), at most {@link #MAX_HELD_BYTES}; after {@link #release()} they sum to 0.
         */
        public Parser(Listener listener, LongConsumer heldDelta) {
            this.listener = listener;
            this.heldDelta = heldDelta;
        }

        /** Bytes held now (the part of a capsule that arrived without its end). */
        public int held() {
            return pending.readableBytes();
        }

        /** Consumes and releases {@code data}. */
        public void feed(ByteBuf data) {
            int before = pending.readableBytes();
            try {
                if (failed) {
                    return;
                }
                if (skipRemaining > 0) {
                    int skip = (int) Math.min(skipRemaining, data.readableBytes());
                    data.skipBytes(skip);
                    skipRemaining -= skip;
                }
                if (!data.isReadable()) {
                    return;
                }
                // parse in place; only the unread end of the last capsule is copied, so what is kept between
                // calls never exceeds one capsule, whatever the size of the DATA frames the peer sends
                ByteBuf in = pending.isReadable()
                        ? Unpooled.wrappedBuffer(pending, data.retain()) : data.retain();
                if (in != data) {
                    pending = Unpooled.EMPTY_BUFFER;
                }
                try {
                    parse(in);
                    if (!failed && in.isReadable()) {
                        if (in.readableBytes() > MAX_HELD_BYTES) {
                            failed = true;
                            listener.malformedCapsule("a capsule held back " + in.readableBytes() + " bytes");
                        } else {
                            pending = Unpooled.buffer(in.readableBytes()).writeBytes(in);
                        }
                    }
                } finally {
                    in.release();
                }
            } finally {
                data.release();
                if (failed && pending.isReadable()) {
                    pending.release();
                    pending = Unpooled.EMPTY_BUFFER;
                }
                int delta = pending.readableBytes() - before;
                if (delta != 0) {
                    heldDelta.accept(delta);
                }
            }
        }

        private void parse(ByteBuf in) {
            while (!failed && in.isReadable()) {
                int start = in.readerIndex();
                if (!Varint.isReadable(in)) {
                    break;
                }
                long type = Varint.read(in);
                if (!Varint.isReadable(in)) {
                    in.readerIndex(start);
                    break;
                }
                long length = Varint.read(in);
                long max = maxLength(type);
                if (max >= 0) {
                    if (length > max || (type == CAPSULE_CLOSE_SESSION && length < 4)
                            || (max == 8 && length == 0)) {
                        failed = true;
                        listener.malformedCapsule("capsule 0x" + Long.toHexString(type) + " with length " + length);
                        break;
                    }
                    if (in.readableBytes() < length) {
                        in.readerIndex(start);
                        break;
                    }
                    known(type, (int) length, in);
                } else {
                    int skip = (int) Math.min(length, in.readableBytes());
                    in.skipBytes(skip);
                    skipRemaining = length - skip;
                }
            }
        }

        /** The longest payload of a capsule read whole; -1 for the ones skipped. */
        private static long maxLength(long type) {
            if (type == CAPSULE_CLOSE_SESSION) {
                return 4 + MAX_CLOSE_REASON_BYTES;
            }
            if (type == CAPSULE_DRAIN_SESSION) {
                return 0;
            }
            if (type == WebTransportProtocol.CAPSULE_WT_MAX_DATA
                    || type == WebTransportProtocol.CAPSULE_WT_MAX_STREAMS_BIDI
                    || type == WebTransportProtocol.CAPSULE_WT_MAX_STREAMS_UNI
                    || type == WebTransportProtocol.CAPSULE_WT_DATA_BLOCKED) {
                return 8; // one varint
            }
            return -1;
        }

        private void known(long type, int length, ByteBuf in) {
            if (type == CAPSULE_CLOSE_SESSION) {
                int code = in.readInt();
                String reason = in.readCharSequence(length - 4, StandardCharsets.UTF_8).toString();
                listener.closeSessionCapsule(code, reason);
                return;
            }
            if (type == CAPSULE_DRAIN_SESSION) {
                listener.drainSessionCapsule();
                return;
            }
            ByteBuf payload = in.readSlice(length);
            if (!Varint.isReadable(payload) || Varint.encodedLength(payload.getByte(payload.readerIndex())) != length) {
                failed = true;
                listener.malformedCapsule("capsule 0x" + Long.toHexString(type) + " is not one varint");
                return;
            }
            long value = Varint.read(payload);
            if (type == WebTransportProtocol.CAPSULE_WT_MAX_DATA) {
                listener.maxDataCapsule(value);
            } else if (type == WebTransportProtocol.CAPSULE_WT_DATA_BLOCKED) {
                listener.dataBlockedCapsule(value);
            } else {
                listener.maxStreamsCapsule(type == WebTransportProtocol.CAPSULE_WT_MAX_STREAMS_BIDI, value);
            }
        }

        public void release() {
            int before = pending.readableBytes();
            pending.release();
            pending = Unpooled.EMPTY_BUFFER;
            if (before != 0) {
                heldDelta.accept(-before);
            }
        }
    }
}
