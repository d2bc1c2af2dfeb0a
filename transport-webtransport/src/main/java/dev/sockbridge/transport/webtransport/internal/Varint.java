package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;

/**
 * QUIC variable-length integers (RFC 9000 section 16): 1, 2, 4 or 8 bytes, the top two bits of the first byte
 * give the length, values up to 2^62-1.
 *
 * <p>Threading: stateless.
 */
public final class Varint {
    public static final long MAX = (1L << 62) - 1;

    private Varint() {
    }

    /** Bytes needed to encode {@code value}. */
    public static int size(long value) {
        if (value < 0 || value > MAX) {
            throw new IllegalArgumentException("varint out of range: " + value);
        }
        if (value < (1 << 6)) {
            return 1;
        }
        if (value < (1 << 14)) {
            return 2;
        }
        if (value < (1L << 30)) {
            return 4;
        }
        return 8;
    }

    /** Length of the varint whose first byte is {@code firstByte}. */
    public static int encodedLength(byte firstByte) {
        return 1 << ((firstByte & 0xff) >>> 6);
    }

    /** True if a whole varint is readable at the reader index. */
    public static boolean isReadable(ByteBuf in) {
        return in.isReadable() && in.readableBytes() >= encodedLength(in.getByte(in.readerIndex()));
    }

    /** Reads one varint; the caller checked {@link #isReadable(ByteBuf)}. */
    public static long read(ByteBuf in) {
        int length = encodedLength(in.getByte(in.readerIndex()));
        switch (length) {
            case 1:
                return in.readUnsignedByte() & 0x3f;
            case 2:
                return in.readUnsignedShort() & 0x3fff;
            case 4:
                return in.readUnsignedInt() & 0x3fffffffL;
            default:
                return in.readLong() & 0x3fffffffffffffffL;
        }
    }

    public static ByteBuf write(ByteBuf out, long value) {
        switch (size(value)) {
            case 1:
                return out.writeByte((int) value);
            case 2:
                return out.writeShort((int) value | 0x4000);
            case 4:
                return out.writeInt((int) value | 0x80000000);
            default:
                return out.writeLong(value | 0xc000000000000000L);
        }
    }
}
