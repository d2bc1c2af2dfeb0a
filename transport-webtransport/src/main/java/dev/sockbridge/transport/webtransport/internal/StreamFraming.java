package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;


/**
 * How Sockbridge frames travel on a QUIC stream (a WebTransport bidirectional stream or a raw QUIC one). A stream
 * is a byte stream, so each frame carries its length; one record type besides frames closes the stream in-band,
 * after the frames before it, the way a WebSocket close frame does:
 *
 * <pre>
 *  frame:         u32 BE length L (0 &le; L &lt; 2^31), then L bytes (one encoded message)
 *  close record:  u32 BE 0x80000000 | N, then N bytes: u32 BE close code, UTF-8 reason (N - 4 &le; 1024 bytes);
 *                 the sender ends the stream (FIN) right after it
 *  raw QUIC only: the opener of a bidirectional stream writes one byte first:
 *                 0x00 = the session's main channel (the client's first stream), 0x01 = an extra stream
 * </pre>
 *
 * <p>A length above the receiver's maximum frame size closes the stream's transport with 1009 at once (the frame
 * is never buffered). A close record's code is a {@code Transport} close code (WebSocket numbering).
 *
 * <p>Threading: stateless.
 */
public final class StreamFraming {
    public static final int HEADER_BYTES = 4;
    public static final int CLOSE_FLAG = 0x80000000;
    public static final int MAX_CLOSE_REASON_BYTES = 1024;
    public static final int RAW_MAIN_STREAM = 0x00;
    public static final int RAW_EXTRA_STREAM = 0x01;

    private StreamFraming() {
    }

    /** A close record: header, code, reason truncated to {@link #MAX_CLOSE_REASON_BYTES} whole characters. */
    public static ByteBuf closeRecord(ByteBufAllocator alloc, int code, String reason) {
        byte[] text = Capsules.truncateUtf8(reason == null ? "" : reason, MAX_CLOSE_REASON_BYTES);
        ByteBuf out = alloc.directBuffer(HEADER_BYTES + 4 + text.length);
        out.writeInt(CLOSE_FLAG | (4 + text.length));
        out.writeInt(code);
        out.writeBytes(text);
        return out;
    }
}
