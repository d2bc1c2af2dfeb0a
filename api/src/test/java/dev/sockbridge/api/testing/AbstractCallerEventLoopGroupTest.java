package dev.sockbridge.api.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.transport.EventLoops;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * A transport on a group the caller brings (the public way to share event loops with a game server): the server's
 * socket, its connections and the client run there, on the channel classes the group needs, and a frame echoes.
 * Each transport module subclasses this with its provider's group-taking factories, as it subclasses the
 * conformance suite.
 */
public abstract class AbstractCallerEventLoopGroupTest {
    private static final long TIMEOUT_SECONDS = 10;

    /** Server URIs (port 0) to run every test on. */
    protected abstract List<String> serverUris();

    /** Prefix of the event loop threads' names, so that the test can tell they are the caller's. */
    protected abstract String threadPrefix();

    /** An unstarted server for {@code uri} on {@code group}. */
    protected abstract ServerTransport newServer(URI uri, EventLoopGroup group) throws Exception;

    /** A client of {@code server} (started, bound at {@code bound}) on {@code group}. */
    protected abstract CompletableFuture<Transport> connect(ServerTransport server, URI bound, EventLoopGroup group)
            throws Exception;

    @TestFactory
    Stream<DynamicTest> aNativeGroupOfTheCallerCarriesServerAndClient() {
        return serverUris().stream().map(uri -> DynamicTest.dynamicTest(uri, () -> {
            EpollCheck.assumeEpoll();
            EventLoopGroup group = EventLoops.newGroup(1, threadPrefix());
            try {
                EpollCheck.assertOnEpoll(echoOn(group, URI.create(uri)));
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> anNioGroupOfTheCallerCarriesServerAndClient() {
        return serverUris().stream().map(uri -> DynamicTest.dynamicTest(uri, () -> {
            EventLoopGroup group = EventLoops.newNioGroup(1, threadPrefix());
            try {
                echoOn(group, URI.create(uri));
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }));
    }

    /** Server and client on {@code group}; one frame echoed; returns the client and server transports, closed. */
    private Transport[] echoOn(EventLoopGroup group, URI uri) throws Exception {
        ServerTransport server = newServer(uri, group);
        CompletableFuture<Transport> accepted = new CompletableFuture<>();
        try {
            URI bound = EchoRoundTrip.serveEcho(server, accepted, TIMEOUT_SECONDS);
            Transport client = connect(server, bound, group).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertEquals("ping", EchoRoundTrip.roundTrip(client, "ping", TIMEOUT_SECONDS));
            Transport serverSide = accepted.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            for (Transport t : new Transport[] {client, serverSide}) {
                String thread = t.executor().submit(() -> Thread.currentThread().getName())
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertTrue(thread.startsWith(threadPrefix() + "-"), t + " runs on " + thread);
            }
            client.close(1000, "done");
            client.closeFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            serverSide.closeFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return new Transport[] {client, serverSide};
        } finally {
            server.shutdownNow().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }
}
