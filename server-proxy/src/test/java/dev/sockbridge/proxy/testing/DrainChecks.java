package dev.sockbridge.proxy.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.proxy.ProxyStats;
import dev.sockbridge.proxy.SockbridgeProxy;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The end of a drain, as every transport's drain test checks it. */
public final class DrainChecks {
    private DrainChecks() {
    }

    /**
     * At the drain's timeout: every session still open is closed with 1001, the drain's future completes, the native
     * socket a session had open sees EOF, and the proxy is left with no session, native channel or buffered byte.
     */
    public static void assertTheRestClosedWith1001AndNothingLeft(SockbridgeProxy proxy, CompletableFuture<Void> drained,
                                                                 Socket nativePeer, SockbridgeClient... sessions)
            throws Exception {
        for (SockbridgeClient c : sessions) {
            Control.Goodbye end = c.closeFuture().get(15, TimeUnit.SECONDS);
            assertEquals(1001, end.code(), end.toString());
        }
        drained.get(15, TimeUnit.SECONDS);
        nativePeer.setSoTimeout(10_000);
        assertEquals(-1, nativePeer.getInputStream().read(), "the session's native socket was closed");
        ProxyStats st = proxy.stats();
        assertEquals(0, st.sessionsOpen());
        assertEquals(0, st.nativeChannelsOpen());
        assertEquals(0, st.bufferedBytes());
    }
}
