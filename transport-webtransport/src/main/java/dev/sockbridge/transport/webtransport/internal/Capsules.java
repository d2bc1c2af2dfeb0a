package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.CAPSULE_CLOSE_SESSION;
import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.CAPSULE_DRAIN_SESSION;
import static dev.sockbridge.transport.webtransport.internal.WebTransportProtocol.MAX_CLOSE_REASON_BYTES;

/**
 * RFC 9297 capsules on a WebTransport CONNECT stream: {@code varint type, varint length, payload}, carried in
 * HTTP/3 DATA frames that may split or join capsules anywhere.
 *
 * <p>{@link Parser} is streaming: it handles {@code CLOSE_WEBTRANSPORT_SESSION} (0x2843: u32 code + UTF-8
 * reason) and {@code DRAIN_WEBTRANSPORT_SESSION} (0x78ae) and skips every other type (Chromium sends a GREASE
 * capsule right after CONNECT) without buffering its payload. A close capsule longer than 4 + 1024 bytes is a
 * protocol violation and is reported as malformed.
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

    /** Receives the capsules a {@link Parser} understood. */
    public interface Listener {
        void closeSessionCapsule(int code, String reason);

        void drainSessionCapsule();

        /** A known capsule with an impossible length; the session should be closed. */
        void malformedCapsule(String why);
    }

    /** Streaming capsule parser; see the class comment. */
    public static final class Parser {
        private final Listener listener;
        private ByteBuf pending = Unpooled.EMPTY_BUFFER;
        private long skipRemaining;
        private boolean failed;

        public Parser(Listener listener) {
            this.listener = listener;
        }

        /** Consumes and releases {@code data}. */
        public void feed(ByteBuf data) {
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
                if (pending.isReadable()) {
                    pending.writeBytes(data);
                } else {
                    pending.release();
                    pending = Unpooled.buffer(data.readableBytes()).writeBytes(data);
                }
                parse();
            } finally {
                data.release();
            }
        }

        private void parse() {
            while (!failed && pending.isReadable()) {
                int start = pending.readerIndex();
                if (!Varint.isReadable(pending)) {
                    break;
                }
                long type = Varint.read(pending);
                if (!Varint.isReadable(pending)) {
                    pending.readerIndex(start);
                    break;
                }
                long length = Varint.read(pending);
                if (type == CAPSULE_CLOSE_SESSION || type == CAPSULE_DRAIN_SESSION) {
                    long max = type == CAPSULE_CLOSE_SESSION ? 4 + MAX_CLOSE_REASON_BYTES : 0;
                    if (length > max || (type == CAPSULE_CLOSE_SESSION && length < 4)) {
                        failed = true;
                        listener.malformedCapsule("capsule 0x" + Long.toHexString(type) + " with length " + length);
                        break;
                    }
                    if (pending.readableBytes() < length) {
                        pending.readerIndex(start);
                        break;
                    }
                    if (type == CAPSULE_CLOSE_SESSION) {
                        int code = pending.readInt();
                        String reason = pending.readCharSequence((int) length - 4, StandardCharsets.UTF_8).toString();
                        listener.closeSessionCapsule(code, reason);
                    } else {
                        listener.drainSessionCapsule();
                    }
                } else {
                    int skip = (int) Math.min(length, pending.readableBytes());
                    pending.skipBytes(skip);
                    skipRemaining = length - skip;
                }
            }
            pending.discardReadBytes();
        }

        public void release() {
            pending.release();
            pending = Unpooled.EMPTY_BUFFER;
        }
    }
}
