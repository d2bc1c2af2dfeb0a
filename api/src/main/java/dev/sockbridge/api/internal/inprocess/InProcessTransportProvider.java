package dev.sockbridge.api.internal.inprocess;

import dev.sockbridge.api.internal.transport.Admissions;
import dev.sockbridge.api.internal.transport.BasicConnectRequest;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The in-process transport: {@code inprocess://NAME} (a client may add {@code ?QUERY}, which the server's
 * admission check sees as the request's query). A server registers NAME in this JVM; clients
 * connecting to it get one end of an in-memory pair. Frames still go through the codec, so it is a
 * faithful, fast, socket-free way to run the whole stack (and the conformance suite).
 */
public final class InProcessTransportProvider implements TransportProvider {
    private static final ConcurrentMap<String, Server> SERVERS = new ConcurrentHashMap<>();
    private static final EventLoopGroup CLIENT_LOOPS = new SafeEventLoopGroup(
            Math.max(2, Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory("inprocess-client", true));
    private static final EventLoopGroup SERVER_LOOPS = new SafeEventLoopGroup(
            Math.max(2, Runtime.getRuntime().availableProcessors()), new DefaultThreadFactory("inprocess-server", true));

    @Override
    public Set<String> schemes() {
        return Set.of("inprocess");
    }

    @Override
    public CompletableFuture<Transport> connect(URI uri, TransportOptions options) {
        Server s = SERVERS.get(name(uri));
        if (s == null) {
            return CompletableFuture.failedFuture(new java.net.ConnectException("no in-process server named '" + name(uri) + "'"));
        }
        return s.connect(options == null ? TransportOptions.defaults() : options, uri.getRawQuery());
    }

    @Override
    public ServerTransport newServer(URI uri, TransportOptions options) {
        return new Server(name(uri), options);
    }

    static String name(URI uri) {
        String n = uri.getAuthority() != null ? uri.getAuthority() : uri.getSchemeSpecificPart();
        if (n == null || n.isEmpty()) {
            throw new IllegalArgumentException("in-process URI needs a name: inprocess://NAME");
        }
        return n;
    }

    private static final class Server implements ServerTransport {
        private final String name;
        private final TransportOptions options;
        private final Set<Transport> open = ConcurrentHashMap.newKeySet();
        private volatile ServerTransportListener listener;
        private volatile boolean accepting;
        private volatile boolean closingAll;

        Server(String name, TransportOptions options) {
            this.name = name;
            this.options = options;
        }

        @Override
        public synchronized CompletableFuture<URI> start(ServerTransportListener l) {
            if (listener != null) {
                return CompletableFuture.failedFuture(new IllegalStateException("already started"));
            }
            if (SERVERS.putIfAbsent(name, this) != null) {
                return CompletableFuture.failedFuture(new IllegalStateException("in-process name in use: " + name));
            }
            this.listener = l;
            this.accepting = true;
            return CompletableFuture.completedFuture(uri());
        }

        CompletableFuture<Transport> connect(TransportOptions clientOptions, String query) {
            if (!accepting) {
                return CompletableFuture.failedFuture(new java.net.ConnectException("in-process server '" + name + "' is shut down"));
            }
            long high = options.getInt(TransportOptions.HIGH_WATER_MARK, TransportOptions.DEFAULT_HIGH_WATER_MARK);
            long low = options.getInt(TransportOptions.LOW_WATER_MARK, TransportOptions.DEFAULT_LOW_WATER_MARK);
            InProcessTransport[] p = InProcessTransport.pair(name, CLIENT_LOOPS.next(), SERVER_LOOPS.next(),
                    ByteBufAllocator.DEFAULT, high, low, clientOptions.maxFrameSize(), options.maxFrameSize());
            open.add(p[1]);
            p[1].closeFuture().whenComplete((v, t) -> open.remove(p[1]));
            if (closingAll) {
                // shutdownNow ran between the check above and open.add: it may have missed this one
                p[1].close(CloseCode.GOING_AWAY, "server shutting down");
            }
            // the client's end is handed out at once, as a socket's would be: a refusal reaches it as a close
            ConnectRequest request = BasicConnectRequest.bare("inprocess", query, null, null);
            p[1].executor().execute(() -> Admissions.run(listener::admit, request, p[1].executor(), () -> true, a -> {
                        if (!a.isAdmitted()) {
                            Admissions.refuse(p[1], a.closeCode(), a.reason());
                            return;
                        }
                        p[1].admitted(request, a.attachment());
                        p[1].closeFuture().whenComplete((v, t) -> a.release());
                        listener.transportCreated(p[1]);
                    }));
            return CompletableFuture.completedFuture(p[0]);
        }

        @Override
        public URI uri() {
            return URI.create("inprocess://" + name);
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            accepting = false;
            SERVERS.remove(name, this);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> shutdownNow() {
            shutdown();
            closingAll = true;
            CompletableFuture<?>[] fs = open.stream().map(t -> {
                t.close(CloseCode.GOING_AWAY, "server shutting down");
                return t.closeFuture();
            }).toArray(CompletableFuture[]::new);
            return CompletableFuture.allOf(fs);
        }
    }
}
