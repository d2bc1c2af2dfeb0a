package dev.sockbridge.api.testing;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One text frame there and back over any transport, for tests that only need to know a transport carries data
 * (on the caller's event loops, on the module path, ...), not how it behaves under the contract: that is the
 * conformance suite's work.
 *
 * <p>Threading: call from a test thread; every wait is bounded by {@code timeoutSeconds}.
 */
public final class EchoRoundTrip {
    private EchoRoundTrip() {
    }

    /**
     * Starts {@code server} so that every transport it accepts sends each frame back; {@code accepted} completes
     * with the first one.
     *
     * @return the bound address
     */
    public static URI serveEcho(ServerTransport server, CompletableFuture<Transport> accepted, long timeoutSeconds)
            throws Exception {
        return server.start(new ServerTransportListener() {
            @Override
            public void transportCreated(Transport t) {
                accepted.complete(t);
                t.start(new TransportListener() {
                    @Override
                    public void frameReceived(ByteBuf frame) {
                        t.send(frame);
                    }

                    @Override
                    public void closed(int code, String reason) {
                    }
                });
            }
        }).get(timeoutSeconds, TimeUnit.SECONDS);
    }

    /**
     * Starts {@code client}, sends {@code text} and returns the first frame that comes back, as text.
     *
     * @throws java.util.concurrent.ExecutionException if the client closes before
     */
    public static String roundTrip(Transport client, String text, long timeoutSeconds) throws Exception {
        CompletableFuture<String> echoed = new CompletableFuture<>();
        client.start(new TransportListener() {
            @Override
            public void frameReceived(ByteBuf frame) {
                try {
                    echoed.complete(frame.toString(StandardCharsets.UTF_8));
                } finally {
                    frame.release();
                }
            }

            @Override
            public void closed(int code, String reason) {
                echoed.completeExceptionally(new IllegalStateException("closed " + code + " " + reason));
            }
        });
        client.send(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        return echoed.get(timeoutSeconds, TimeUnit.SECONDS);
    }
}
