package dev.sockbridge.frontend.emscripten;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.frontend.emscripten.internal.PosixSession;
import dev.sockbridge.frontend.emscripten.internal.TcpBridge;
import dev.sockbridge.frontend.emscripten.internal.UdpBridge;
import dev.sockbridge.proxy.internal.FrontEnd;
import dev.sockbridge.proxy.internal.ProxyContext;
import dev.sockbridge.proxy.internal.SockbridgeSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
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
                Arguments.of("sockbridge", (BiFunction<ProxyContext, Transport, Object>) SockbridgeSession::new),
                Arguments.of("emscripten-posix", (BiFunction<ProxyContext, Transport, Object>) PosixSession::new),
                Arguments.of("websockify-tcp", (BiFunction<ProxyContext, Transport, Object>) (c, t) -> new TcpBridge(c, t, tcp)),
                Arguments.of("websockify-udp", (BiFunction<ProxyContext, Transport, Object>) (c, t) -> new UdpBridge(c, t, udp)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("frontEnds")
    void aFrameOrCloseAfterTheProxyStoppedIsReleasedAndThrowsNothing(String name,
            BiFunction<ProxyContext, Transport, Object> make) throws Exception {
        SockbridgeProxy proxy = SockbridgeProxy.builder().threads(1).build();
        URI uri = URI.create("inprocess://after-shutdown-" + name + "-" + System.nanoTime());
        ServerTransport server = Transports.forUri(uri).newServer(uri, TransportOptions.defaults());
        CompletableFuture<Transport> accepted = new CompletableFuture<>();
        server.start(accepted::complete).get(10, TimeUnit.SECONDS);
        Transport client = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(10, TimeUnit.SECONDS);
        Transport serverSide = accepted.get(10, TimeUnit.SECONDS);
        // not started: the test makes the transport's calls itself, at the moment it wants them
        Object frontEnd = make.apply(proxy.context(), serverSide);
        TransportListener listener = (TransportListener) frontEnd;

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

        ((FrontEnd) frontEnd).close(1001, "proxy is shutting down");
        serverSide.closeFuture().get(10, TimeUnit.SECONDS);
        client.closeFuture().get(10, TimeUnit.SECONDS);
        server.shutdownNow().get(10, TimeUnit.SECONDS);
    }
}
