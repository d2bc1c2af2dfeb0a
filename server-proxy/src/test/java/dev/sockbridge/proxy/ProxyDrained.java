package dev.sockbridge.proxy;

import java.util.concurrent.TimeUnit;

/**
 * The end of every engine test: once its clients and the proxy are gone, no session, no native channel and no
 * buffered byte may remain. Sessions end and lingering channels close on their loops shortly after a shutdown, so
 * this waits (bounded) for the counters to settle, then fails with the stats if they did not.
 */
public final class ProxyDrained {
    private ProxyDrained() {
    }

    public static void assertDrained(SockbridgeProxy proxy) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        ProxyStats s = proxy.stats();
        while (s.sessionsOpen() != 0 || s.nativeChannelsOpen() != 0 || s.bufferedBytes() != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy did not drain: sessions " + s.sessionsOpen() + ", native channels "
                        + s.nativeChannelsOpen() + ", buffered bytes " + s.bufferedBytes() + " (" + s + ")");
            }
            Thread.sleep(5);
            s = proxy.stats();
        }
    }
}
