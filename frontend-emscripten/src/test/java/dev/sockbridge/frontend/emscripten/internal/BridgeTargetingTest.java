package dev.sockbridge.frontend.emscripten.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Posix;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** What the bridge asks the engine for, decided without sockets: the socket's family, the connect address, the announcement. */
class BridgeTargetingTest {
    private static BridgeTargets.Target t(String spec) {
        return BridgeTargets.Target.parse(spec, BridgeTargets.Kind.TCP);
    }

    @Test
    void theFamilyIsTheLiteralsAndForNamesOneThatReachesIpv4() {
        assertEquals(Posix.AF_INET, Bridge.domain(t("127.0.0.1:7000"), false));
        assertEquals(Posix.AF_INET, Bridge.domain(t("127.0.0.1:7000"), true));
        assertEquals(Posix.AF_INET6, Bridge.domain(t("[::1]:7000"), true));
        // TCP: an AF_INET6 socket connects to IPv4 addresses too; UDP: the engine binds AF_INET6 to ::1 first
        assertEquals(Posix.AF_INET6, Bridge.domain(t("localhost:7000"), false));
        assertEquals(Posix.AF_INET, Bridge.domain(t("localhost:7000"), true));
    }

    @Test
    void literalsAreAddressesAndNamesAreLeftForTheEnginesLookup() {
        InetSocketAddress v4 = Bridge.address(t("127.0.0.1:7000"));
        assertFalse(v4.isUnresolved());
        assertEquals(new InetSocketAddress("127.0.0.1", 7000), v4);
        assertFalse(Bridge.address(t("[::1]:7000")).isUnresolved());
        InetSocketAddress name = Bridge.address(t("game.example:7000"));
        assertTrue(name.isUnresolved(), "resolved by the engine under the policy's lookup rules");
        assertEquals("game.example", name.getHostString());
        assertEquals(7000, name.getPort());
    }

    @Test
    void onlyTheExactTenByteAnnouncementIsOne() {
        byte[] a = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'p', 'o', 'r', 't', 0x1e, 0x61};
        assertTrue(UdpBridge.isPortAnnouncement(Unpooled.wrappedBuffer(a)));
        assertFalse(UdpBridge.isPortAnnouncement(Unpooled.wrappedBuffer(a, 0, 9)), "short");
        byte[] longer = java.util.Arrays.copyOf(a, 11);
        assertFalse(UdpBridge.isPortAnnouncement(Unpooled.wrappedBuffer(longer)), "a datagram that starts like one");
        a[4] = 'P';
        assertFalse(UdpBridge.isPortAnnouncement(Unpooled.wrappedBuffer(a)));
    }
}
