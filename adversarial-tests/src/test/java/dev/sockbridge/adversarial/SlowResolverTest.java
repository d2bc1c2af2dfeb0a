package dev.sockbridge.adversarial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.SessionDriver;
import dev.sockbridge.benchmarks.SlowDns;
import dev.sockbridge.proxy.ProxyLimits;
import dev.sockbridge.proxy.SessionLimits;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A resolver slower than the client's close (issue 10: a resolver callback that completed after
 * its socket or session was closed still bound a UDP channel, orphaned for good). sendto and
 * connect to names whose answers a DNS server of our own holds back until every socket, and then
 * the session, is closed. After the answers arrive, no native channel may be left.
 */
@Timeout(120)
class SlowResolverTest {
    static final int ROUNDS = 40;

    @Test
    void answersArrivingAfterCloseOpenNothing() throws Exception {
        try (SlowDns dns = new SlowDns()) {
            // one event loop, so one resolver: the barrier lookup below is answered after the held ones
            try (HostileProxy p = new HostileProxy(ProxyLimits.defaults(), SessionLimits.defaults()
                    .withMaxBufferedBytes(HostileProxy.SESSION_BUDGET), 1,
                    new InetSocketAddress("127.0.0.1", dns.socket.getLocalPort()))) {
                p.openWitness();
                int port = p.udpEchoAddress().getPort();
                SessionDriver closesSockets = SessionDriver.open(p.sockbridge).releaseRepliesOnArrival();
                SessionDriver closesSession = SessionDriver.open(p.sockbridge).releaseRepliesOnArrival();
                List<CompletableFuture<Reply>> closes = new ArrayList<>();
                for (int i = 0; i < ROUNDS; i++) {
                    for (SessionDriver d : List.of(closesSockets, closesSession)) {
                        boolean udp = i % 2 == 0;
                        int fd = (int) ((Reply.Value) d.call(new Request.Socket(d.nextId(), Posix.AF_INET,
                                udp ? Posix.SOCK_DGRAM : Posix.SOCK_STREAM, 0))).value();
                        InetSocketAddress slow = InetSocketAddress.createUnresolved("r" + i + (d == closesSession ? "s" : "c") + ".slow.test",
                                udp ? port : p.tcpEchoAddress().getPort());
                        if (udp) {
                            d.callAsync(new Request.SendTo(d.nextId(), fd, 0, slow, Unpooled.wrappedBuffer(new byte[100])));
                        } else {
                            d.callAsync(new Request.Connect(d.nextId(), fd, slow));
                        }
                        if (d == closesSockets) {
                            closes.add(d.callAsync(new Request.Close(d.nextId(), fd)));
                        }
                    }
                }
                CompletableFuture.allOf(closes.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
                // every lookup has reached the DNS server before the session goes
                for (int i = 0; i < 3000 && dns.queries.get() < 2 * ROUNDS; i++) {
                    Thread.sleep(10);
                }
                assertTrue(dns.queries.get() >= 2 * ROUNDS, "lookups reached the DNS server: " + dns.queries.get());
                closesSession.close();
                closesSession.closed.get(30, TimeUnit.SECONDS);
                closesSockets.close();
                closesSockets.closed.get(30, TimeUnit.SECONDS);
                dns.release();
                // barrier: the same resolver answers this after every held answer
                SessionDriver w = SessionDriver.open(p.sockbridge).releaseRepliesOnArrival();
                Reply r = w.call(new Request.GetAddrInfo(w.nextId(), "now.barrier.test", "53", 0, Posix.AF_INET, 0, 0));
                assertTrue(r instanceof Reply.AddrInfos, "barrier lookup: " + SessionDriver.describe(r));
                w.close();
                p.witnessRoundTrip();
                p.closeWitness();
                p.assertQuiescent();
                assertEquals(0, p.stats().nativeChannelsOpen());
            }
        }
    }
}
