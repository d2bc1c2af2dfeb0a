package dev.sockbridge.frontend.emscripten.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Raw wasm sockaddr bytes both ways (shared/emscripten-protocol.md A1.9), without sockets. */
class SockAddrTest {
    private static byte[] hex(String h) {
        return HexFormat.of().parseHex(h.replace(" ", ""));
    }

    private static String written(InetSocketAddress a, boolean forceV6, int max) {
        ByteBuf out = Unpooled.buffer();
        try {
            SockAddr.write(out, a, forceV6, max);
            return ByteBufUtil.hexDump(out);
        } finally {
            out.release();
        }
    }

    private static InetSocketAddress decode(byte[] raw, int len) throws SockAddr.BadAddress {
        return SockAddr.decode(Unpooled.wrappedBuffer(raw), 0, len);
    }

    @Test
    void sockaddrInIsFamilyLittleEndianPortAndAddressBigEndian() throws Exception {
        // family 2 LE, port 7777 (0x1e61) BE, 127.0.0.1, 8 zero bytes
        byte[] raw = hex("0200 1e61 7f000001 0000000000000000");
        assertEquals(new InetSocketAddress("127.0.0.1", 7777), decode(raw, 16));
        assertEquals(HexFormat.of().formatHex(raw), written(new InetSocketAddress("127.0.0.1", 7777), false, 16));
        assertEquals(16, SockAddr.length(new InetSocketAddress("127.0.0.1", 1), false));
        // a port above 32767 is unsigned
        assertEquals(65535, decode(hex("0200 ffff 7f000001 0000000000000000"), 16).getPort());
    }

    @Test
    void sockaddrIn6CarriesALittleEndianScopeId() throws Exception {
        // family 10, port 443, flowinfo 0, fe80::1, scope id 3 LE
        byte[] raw = hex("0a00 01bb 00000000 fe800000000000000000000000000001 03000000");
        InetSocketAddress a = decode(raw, 28);
        assertEquals(443, a.getPort());
        assertEquals(3, ((Inet6Address) a.getAddress()).getScopeId());
        assertEquals(HexFormat.of().formatHex(raw), written(a, false, 28));
        // RFC 2133's 24-byte form has no scope id
        InetSocketAddress noScope = decode(raw, 24);
        assertEquals(0, ((Inet6Address) noScope.getAddress()).getScopeId());
    }

    @Test
    void anIpv4AddressWrittenAsIpv6IsV4Mapped() {
        assertEquals("0a00 0050 00000000 00000000000000000000ffff 7f000001 00000000".replace(" ", ""),
                written(new InetSocketAddress("127.0.0.1", 80), true, 28));
        assertEquals(28, SockAddr.length(new InetSocketAddress("127.0.0.1", 80), true));
    }

    @Test
    void aV4MappedAddressDecodesAsIpv4() throws Exception {
        InetSocketAddress a = decode(hex("0a00 0050 00000000 00000000000000000000ffff 7f000001 00000000"), 28);
        assertArrayEquals(InetAddress.getByName("127.0.0.1").getAddress(), a.getAddress().getAddress());
    }

    @Test
    void writingStopsAtTheCallersBuffer() {
        assertEquals("02001e61", written(new InetSocketAddress("127.0.0.1", 7777), false, 4));
        assertEquals("", written(new InetSocketAddress("127.0.0.1", 7777), false, 0));
        assertEquals("", written(new InetSocketAddress("127.0.0.1", 7777), false, -5));
    }

    @Test
    void noAddressIsAnUnnamedUnixSocket() {
        assertEquals(2, SockAddr.length(null, false));
        assertEquals("0100", written(null, false, 16));
    }

    @Test
    void badAddressesGiveTheErrnoLinuxWould() {
        SockAddr.BadAddress e = assertThrows(SockAddr.BadAddress.class, () -> decode(hex("02"), 1));
        assertEquals(Errno.EINVAL, e.errno);
        e = assertThrows(SockAddr.BadAddress.class, () -> decode(hex("0200 1e61 7f000001 0000"), 10));
        assertEquals(Errno.EINVAL, e.errno);
        e = assertThrows(SockAddr.BadAddress.class, () -> decode(hex("0a00 01bb 00000000 fe80000000000000"), 16));
        assertEquals(Errno.EINVAL, e.errno);
        e = assertThrows(SockAddr.BadAddress.class, () -> decode(hex("0100 2f746d70"), 6));
        assertEquals(Errno.EAFNOSUPPORT, e.errno, "AF_UNIX");
        e = assertThrows(SockAddr.BadAddress.class, () -> decode(hex("1100 0000 00000000"), 8));
        assertEquals(Errno.EAFNOSUPPORT, e.errno, "AF_PACKET");
        assertTrue(e.getMessage().contains("17"), e.getMessage());
    }
}
