package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.ForwardingTransport;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A transport can call a front end after the proxy has stopped: a frame or a close queued on the
 * transport's executor before the shutdown closed it. Such a call must neither throw into the
 * transport's loop (the in-process transport's loops are shared by every in-process connection in
 * the JVM, and Netty's plain loops end their thread on an exception) nor leak the frame; and a close
 * from the proxy's side must still close the transport.
 */
@Timeout(60)
class CallsAfterShutdownTest {
    static Stream<Arguments> frontEnds() {
        BridgeTargets.Target tcp = BridgeTargets.Target.parse("127.0.0.1:9", BridgeTargets.Kind.TCP);
        BridgeTargets.Target udp = BridgeTargets.Target.parse("127.0.0.1:9", BridgeTargets.Kind.UDP);
        return Stream.of(
                Arguments.of("sockbridge", FrontEndFactory.sockbridge()),
                Arguments.of("emscripten-posix", EmscriptenPosixSession.factory()),
                Arguments.of("websockify-tcp", WebsockifyBridge.factory(tcp)),
                Arguments.of("websockify-udp", WebsockifyBridge.factory(udp)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frontEnds")
    void aFrameOrCloseAfterTheProxyStoppedIsReleasedAndThrowsNothing(String name, FrontEndFactory factory) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().threads(1).build();
        URI uri = URI.create("inprocess://after-shutdown-" + name + "-" + System.nanoTime());
        ServerTransport server = Transports.forUri(uri).newServer(uri, TransportOptions.defaults());
        CompletableFuture<Transport> accepted = new CompletableFuture<>();
        server.start(accepted::complete).get(10, TimeUnit.SECONDS);
        Transport client = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(10, TimeUnit.SECONDS);
        Transport serverSide = accepted.get(10, TimeUnit.SECONDS);
        client.start(dropAll());
        // the front end's start() hands its listener to this transport, which keeps it: the test makes the
        // transport's calls itself, at the moment it wants them
        Held held = new Held(serverSide);
        FrontEnd frontEnd = proxy.attach(held, factory).get(10, TimeUnit.SECONDS);
        assertNotNull(frontEnd, "admitted");
        TransportListener listener = held.listener.get(10, TimeUnit.SECONDS);

        proxy.shutdown(Duration.ZERO).get(20, TimeUnit.SECONDS);
        assertTrue(proxy.eventLoopGroup().terminationFuture().await(10, TimeUnit.SECONDS), "the proxy's loops stopped");

        ByteBuf frame = Unpooled.buffer().writeIntLE(1).writeIntLE(2);
        assertDoesNotThrow(() -> listener.frameReceived(frame));
        assertEquals(0, frame.refCnt(), "the frame was released");
        ByteBuf datagram = Unpooled.buffer().writeIntLE(1);
        assertDoesNotThrow(() -> listener.datagramReceived(datagram));
        assertEquals(0, datagram.refCnt(), "the datagram was released");
        assertDoesNotThrow(() -> listener.writabilityChanged(true));
        assertDoesNotThrow(() -> listener.closed(1000, "late"));

        // the proxy's shutdown closed the transport
        serverSide.closeFuture().get(10, TimeUnit.SECONDS);
        client.closeFuture().get(10, TimeUnit.SECONDS);
        server.shutdownNow().get(10, TimeUnit.SECONDS);
    }

    /** Releases every frame (what the proxy says, a goodbye, is not what this test is about). */
    static TransportListener dropAll() {
        return new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                frame.release();
            }

            @Override
            public void closed(int code, String reason) {
            }
        };
    }

    /**
     * A transport whose front end is never started: it keeps the listener it is given and starts the real one with
     * a listener that drops everything (so what the proxy sends, its goodbye, is delivered, not queued forever).
     */
    private static final class Held extends ForwardingTransport {
        final CompletableFuture<TransportListener> listener = new CompletableFuture<>();

        Held(Transport t) {
            super(t);
        }

        @Override
        public void start(TransportListener l) {
            listener.complete(l);
            t.start(dropAll());
        }

        @Override
        public void countHeldBytes(LongConsumer counter) {
            t.countHeldBytes(counter);
        }

        @Override
        public ConnectRequest connectRequest() {
            return t.connectRequest();
        }

        @Override
        public Object attachment() {
            return t.attachment();
        }
    }
}
