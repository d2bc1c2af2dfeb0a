package dev.sockbridge.proxy;

import static dev.sockbridge.api.Posix.AF_INET;
import static dev.sockbridge.api.Posix.SOCK_DGRAM;
import static dev.sockbridge.api.Posix.SOCK_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import io.netty.buffer.Unpooled;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Asynchronous continuations (implicit bind, resolver answer, channel creation) that find their socket or
 * session gone: each releases what its call held, frees its outstanding-call slot and opens nothing.
 */
@Timeout(60)
class EngineLeaksTest extends EngineTestBase {

    @Test
    void sendtoWhileTheImplicitBindIsInFlightThenCloseFreesItsSlotAndItsBuffer() throws Exception {
        // with 16 outstanding calls, a slot lost per round would refuse calls after 16 rounds
        startProxy(SockbridgeProxy.builder().limits(SessionLimits.defaults().withMaxOutstandingCalls(16)));
        try (RawSession s = RawSession.open(uri);
             DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            List<CompletableFuture<Reply>> sends = new ArrayList<>();
            for (int round = 0; round < 200; round++) {
                int fd = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
                // pipelined: the close arrives while the bind that sendto started is still under way
                sends.add(s.callAsync(new Request.SendTo(s.nextId(), fd, 0,
                        (InetSocketAddress) sink.getLocalSocketAddress(), Unpooled.wrappedBuffer(new byte[1000]))));
                s.ok(new Request.Close(s.nextId(), fd));
            }
            for (CompletableFuture<Reply> f : sends) {
                Reply r = f.get(10, TimeUnit.SECONDS);
                if (r instanceof Reply.Error) {
                    assertEquals(Errno.EBADF.code(), ((Reply.Error) r).code(), r::toString);
                } else {
                    assertEquals(1000, assertInstanceOf(Reply.Value.class, r).value());
                }
            }
            assertEquals(0, proxy.stats().bufferedBytes(), "no datagram is held once every send is answered");
        }
    }

    @Test
    void aLookupThatAnswersAfterItsSocketClosedBindsAndConnectsNothing() throws Exception {
        startProxy(SockbridgeProxy.builder());
        HeldLookups lookups = new HeldLookups().install(proxy);
        try (RawSession s = RawSession.open(uri);
             DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<CompletableFuture<Reply>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int udp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
                calls.add(s.callAsync(new Request.SendTo(s.nextId(), udp, 0,
                        InetSocketAddress.createUnresolved("slow.test", sink.getLocalPort()),
                        Unpooled.wrappedBuffer(new byte[500]))));
                int udp2 = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
                calls.add(s.callAsync(new Request.Connect(s.nextId(), udp2,
                        InetSocketAddress.createUnresolved("slow.test", sink.getLocalPort()))));
                int tcp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
                calls.add(s.callAsync(new Request.Connect(s.nextId(), tcp,
                        InetSocketAddress.createUnresolved("slow.test", listener.getLocalPort()))));
                s.ok(new Request.Close(s.nextId(), udp));
                s.ok(new Request.Close(s.nextId(), udp2));
                s.ok(new Request.Close(s.nextId(), tcp));
            }
            assertEquals(60, lookups.count());
            assertTrue(proxy.stats().bufferedBytes() > 0, "the held datagrams are counted while their lookups run");
            lookups.releaseAll();
            for (CompletableFuture<Reply> f : calls) {
                Reply.Error e = assertInstanceOf(Reply.Error.class, f.get(10, TimeUnit.SECONDS));
                assertEquals(Errno.EBADF.code(), e.code(), e::toString);
            }
            assertEquals(0, proxy.stats().nativeChannelsOpen(), "nothing bound or connected for closed sockets");
            assertEquals(0, proxy.stats().bufferedBytes());
            // and the session still takes calls: every slot came back
            s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
        }
    }

    @Test
    void aLookupThatAnswersAfterItsSessionEndedOpensNothing() throws Exception {
        startProxy(SockbridgeProxy.builder());
        HeldLookups lookups = new HeldLookups().install(proxy);
        try (DatagramSocket sink = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            RawSession s = RawSession.open(uri);
            for (int i = 0; i < 20; i++) {
                int udp = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
                s.callAsync(new Request.SendTo(s.nextId(), udp, 0,
                        InetSocketAddress.createUnresolved("slow.test", sink.getLocalPort()),
                        Unpooled.wrappedBuffer(new byte[500])));
            }
            // a round trip, so every sendto has reached its lookup
            s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            assertEquals(20, lookups.count());
            s.close();
            s.closed.get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (proxy.stats().sessionsOpen() != 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(0, proxy.stats().sessionsOpen());
            lookups.releaseAll();
            assertEquals(0, proxy.stats().nativeChannelsOpen(), "no channel for a session that has ended");
            assertEquals(0, proxy.stats().bufferedBytes());
        }
    }

    @Test
    void theNativeChannelCapGivesEmfileWithAReasonAndTheSocketStaysUsable() throws Exception {
        startProxy(SockbridgeProxy.builder().proxyLimits(ProxyLimits.defaults().withMaxNativeChannels(2)));
        try (RawSession s = RawSession.open(uri); RawSession other = RawSession.open(uri);
             ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
            int a = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            s.ok(new Request.Bind(s.nextId(), a, any));
            int b = other.value(new Request.Socket(other.nextId(), AF_INET, SOCK_DGRAM, 0));
            other.ok(new Request.Bind(other.nextId(), b, any));
            assertEquals(2, proxy.stats().nativeChannelsOpen());

            // the cap is the proxy's, over sessions: every kind of channel creation is refused
            int c = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            Reply.Error e = s.error(new Request.Bind(s.nextId(), c, any), Errno.EMFILE.code());
            assertTrue(e.reason().contains("native channels"), e.reason());
            s.error(new Request.SendTo(s.nextId(), c, 0, (InetSocketAddress) listener.getLocalSocketAddress(),
                    Unpooled.wrappedBuffer(new byte[10])), Errno.EMFILE.code());
            int t = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Connect(s.nextId(), t, (InetSocketAddress) listener.getLocalSocketAddress()), Errno.EMFILE.code());
            int l = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_STREAM, 0));
            s.error(new Request.Listen(s.nextId(), l, 5), Errno.EMFILE.code());
            assertEquals(2, proxy.stats().nativeChannelsOpen());
            assertEquals(0, proxy.stats().bufferedBytes());

            // once a channel closes, the same descriptors work
            other.ok(new Request.Close(other.nextId(), b));
            awaitNative(1);
            s.ok(new Request.Bind(s.nextId(), c, any));
            s.ok(new Request.Close(s.nextId(), a));
            awaitNative(1);
            s.ok(new Request.Connect(s.nextId(), t, (InetSocketAddress) listener.getLocalSocketAddress()));
            s.ok(new Request.Close(s.nextId(), c));
            awaitNative(1);
            s.ok(new Request.Listen(s.nextId(), l, 5));
        }
    }

    @Test
    void descriptorHeadroomIsACapToo() throws Exception {
        // headroom beyond the process's descriptor limit leaves no descriptor for native channels at all
        startProxy(SockbridgeProxy.builder().proxyLimits(ProxyLimits.defaults().withDescriptorHeadroom(Integer.MAX_VALUE)));
        try (RawSession s = RawSession.open(uri)) {
            int a = s.value(new Request.Socket(s.nextId(), AF_INET, SOCK_DGRAM, 0));
            Reply.Error e = s.error(new Request.Bind(s.nextId(), a, new InetSocketAddress("127.0.0.1", 0)),
                    Errno.EMFILE.code());
            assertTrue(e.reason().contains("descriptor limit"), e.reason());
            assertFalse(e.reason().contains("Exception"), e.reason());
            assertEquals(0, proxy.stats().nativeChannelsOpen());
        }
    }

    private void awaitNative(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (proxy.stats().nativeChannelsOpen() != n && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(n, proxy.stats().nativeChannelsOpen());
    }
}
