package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.Errno;
import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Raw wasm {@code sockaddr} bytes, as the Emscripten client copies them in both directions:
 * family u16 little-endian, port u16 big-endian, address bytes in network order, and for IPv6 a
 * little-endian {@code sin6_scope_id}. No BSD {@code sin_len}; AF_INET6 is 10.
 *
 * <pre>
 *  sockaddr_in  (16): @0 family=2 LE | @2 port BE | @4 addr[4]  | @8 zero[8]
 *  sockaddr_in6 (28): @0 family=10 LE | @2 port BE | @4 flowinfo | @8 addr[16] | @24 scope_id LE
 *  sockaddr_un (110): @0 family=1 LE | @2 sun_path[108]   (only ever written as the 2-byte unnamed form)
 * </pre>
 */
public final class SockAddr {
    public static final int AF_UNSPEC = 0;
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int IN_LEN = 16;
    public static final int IN6_LEN = 28;
    /** Linux accepts a sockaddr_in6 without its scope id (RFC 2133 size). */
    public static final int IN6_MIN_LEN = 24;

    private SockAddr() {
    }

    /** Why an address did not decode: the errno a Linux bind/connect would give. */
    public static final class BadAddress extends Exception {
        public final Errno errno;

        BadAddress(Errno errno, String message) {
            super(message, null, false, false);
            this.errno = errno;
        }
    }

    /** Decodes {@code len} bytes at {@code at} of {@code buf} (absolute index; the caller checked they are there). */
    public static InetSocketAddress decode(ByteBuf buf, int at, int len) throws BadAddress {
        if (len < 2) {
            throw new BadAddress(Errno.EINVAL, "address of " + len + " bytes is too short for a family");
        }
        int family = buf.getUnsignedShortLE(at);
        switch (family) {
            case AF_INET: {
                if (len < IN_LEN) {
                    throw new BadAddress(Errno.EINVAL, "sockaddr_in needs 16 bytes, got " + len);
                }
                int port = buf.getUnsignedShort(at + 2);
                byte[] a = new byte[4];
                buf.getBytes(at + 4, a);
                return new InetSocketAddress(address(a, 0), port);
            }
            case AF_INET6: {
                if (len < IN6_MIN_LEN) {
                    throw new BadAddress(Errno.EINVAL, "sockaddr_in6 needs 24 or 28 bytes, got " + len);
                }
                int port = buf.getUnsignedShort(at + 2);
                byte[] a = new byte[16];
                buf.getBytes(at + 8, a);
                int scope = len >= IN6_LEN ? buf.getIntLE(at + 24) : 0;
                return new InetSocketAddress(address(a, scope), port);
            }
            case AF_UNIX:
                throw new BadAddress(Errno.EAFNOSUPPORT, "AF_UNIX addresses are not supported");
            default:
                throw new BadAddress(Errno.EAFNOSUPPORT, "address family " + family + " is not supported");
        }
    }

    private static InetAddress address(byte[] a, int scope) {
        try {
            if (a.length == 16 && scope != 0) {
                return Inet6Address.getByAddress(null, a, scope);
            }
            // a v4-mapped IPv6 address comes back as an Inet4Address: the engine's dual-stack
            // sockets treat both alike
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The length {@link #write} produces for this address (2 for null: an unnamed AF_UNIX socket). */
    public static int length(InetSocketAddress a, boolean forceV6) {
        if (a == null) {
            return 2;
        }
        return forceV6 || a.getAddress() instanceof Inet6Address ? IN6_LEN : IN_LEN;
    }

    /**
     * Writes at most {@code max} bytes of the sockaddr for {@code a} (null: unnamed AF_UNIX) at the
     * writer index. {@code forceV6} writes an IPv4 address as v4-mapped IPv6 (an AF_INET6 result).
     */
    public static void write(ByteBuf out, InetSocketAddress a, boolean forceV6, int max) {
        int len = length(a, forceV6);
        int n = Math.max(0, Math.min(len, max));
        if (n == 0) {
            return;
        }
        ByteBuf tmp = out.alloc().heapBuffer(len, len);
        try {
            if (a == null) {
                tmp.writeShortLE(AF_UNIX);
            } else {
                InetAddress ia = a.getAddress();
                byte[] raw = ia == null ? new byte[4] : ia.getAddress();
                if (len == IN_LEN) {
                    tmp.writeShortLE(AF_INET);
                    tmp.writeShort(a.getPort());
                    tmp.writeBytes(raw);
                    tmp.writeZero(8);
                } else {
                    tmp.writeShortLE(AF_INET6);
                    tmp.writeShort(a.getPort());
                    tmp.writeInt(0); // flowinfo
                    if (raw.length == 4) {
                        tmp.writeZero(10);
                        tmp.writeShort(0xffff);
                        tmp.writeBytes(raw);
                    } else {
                        tmp.writeBytes(raw);
                    }
                    int scope = ia instanceof Inet6Address ? Math.max(0, ((Inet6Address) ia).getScopeId()) : 0;
                    tmp.writeIntLE(scope);
                }
            }
            out.writeBytes(tmp, 0, n);
        } finally {
            tmp.release();
        }
    }

    /** True when an address is IPv4 (used for the family of getaddrinfo results). */
    public static boolean isV4(InetSocketAddress a) {
        return a != null && a.getAddress() instanceof Inet4Address;
    }
}
