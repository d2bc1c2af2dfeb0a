package dev.sockbridge.samples.transport;

import dev.sockbridge.api.transport.Admission;
import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.ConnectRequest;
import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.ServerTransportListener;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.TransportProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the {@code tcp-framed} scheme ({@code tcp-framed://HOST:PORT}) with {@link FramedTcpTransport}. Found by
 * {@link java.util.ServiceLoader} through {@code META-INF/services/dev.sockbridge.api.transport.TransportProvider},
 * so {@code Transports.forUri(URI.create("tcp-framed://127.0.0.1:7000"))} and
 * {@code SockbridgeProxy.serve(uri)} pick it up with no other wiring.
 *
 * <p>Options: the {@link TransportOptions} water marks and frame size, and {@code closeTimeoutMillis} (default
 * 2000): how long a closing side waits for the peer's FIN. Connections run on one shared NIO loop group of
 * daemon threads.
 */
public final class FramedTcpTransportProvider implements TransportProvider {
    public static final String SCHEME = "tcp-framed";
    private static final EventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("tcp-framed", true), NioIoHandler.newFactory());

    @Override
    public Set<String> schemes() {
        return Set.of(SCHEME);
    }

    @Override
    public CompletableFuture<Transport> connect(URI uri, TransportOptions options) {
        CompletableFuture<Transport> result = new CompletableFuture<>();
        new Bootstrap().group(LOOPS).channel(NioSocketChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(options))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // the transport adds its handlers; it is handed out once connected
                        ch.attr(TRANSPORT).set(newTransport(ch, options, null, null));
                    }
                })
                .connect(uri.getHost(), uri.getPort())
                .addListener((ChannelFutureListener) f -> {
                    if (f.isSuccess()) {
                        result.complete(f.channel().attr(TRANSPORT).get());
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    @Override
    public ServerTransport newServer(URI uri, TransportOptions options) {
        return new Server(uri, options);
    }

    private static final io.netty.util.AttributeKey<FramedTcpTransport> TRANSPORT =
            io.netty.util.AttributeKey.valueOf("sockbridge.tcp-framed");

    static FramedTcpTransport newTransport(Channel ch, TransportOptions o, ConnectRequest request, Object attachment) {
        return new FramedTcpTransport(ch, SCHEME, o.maxFrameSize(), o.getInt("closeTimeoutMillis", 2000),
                request, attachment);
    }

    static WriteBufferWaterMark waterMark(TransportOptions o) {
        return new WriteBufferWaterMark(
                o.getInt(TransportOptions.LOW_WATER_MARK, TransportOptions.DEFAULT_LOW_WATER_MARK),
                o.getInt(TransportOptions.HIGH_WATER_MARK, TransportOptions.DEFAULT_HIGH_WATER_MARK));
    }

    /** What a tcp-framed client presents: only its address. */
    record Request(SocketAddress remoteAddress) implements ConnectRequest {
        public String scheme() { return SCHEME; }
        public String path() { return "/"; }
        public String query() { return null; }
        public Optional<String> header(String name) { return Optional.empty(); }
        public List<X509Certificate> peerCertificates() { return List.of(); }
    }

    /** Listens; asks the listener to admit each connection, then hands it over as a transport. */
    private static final class Server implements ServerTransport {
        private final URI requested;
        private final TransportOptions options;
        private final Set<Transport> open = ConcurrentHashMap.newKeySet();
        private volatile Channel listening;
        private volatile URI uri;

        Server(URI requested, TransportOptions options) {
            this.requested = requested;
            this.options = options;
        }

        @Override
        public CompletableFuture<URI> start(ServerTransportListener listener) {
            CompletableFuture<URI> result = new CompletableFuture<>();
            new ServerBootstrap().group(LOOPS).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.AUTO_READ, false) // nothing is read before admission
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark(options))
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            admit(ch, listener);
                        }
                    })
                    .bind(requested.getHost(), Math.max(0, requested.getPort()))
                    .addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            result.completeExceptionally(f.cause());
                            return;
                        }
                        listening = f.channel();
                        int port = ((InetSocketAddress) listening.localAddress()).getPort();
                        uri = URI.create(SCHEME + "://" + requested.getHost() + ":" + port);
                        result.complete(uri);
                    });
            return result;
        }

        private void admit(SocketChannel ch, ServerTransportListener listener) {
            Request request = new Request(ch.remoteAddress());
            CompletableFuture<Admission> decision;
            try {
                decision = listener.admit(request).toCompletableFuture();
            } catch (RuntimeException e) {
                decision = CompletableFuture.failedFuture(e);
            }
            decision.whenComplete((a, t) -> ch.eventLoop().execute(() -> {
                // a check that fails refuses: fail closed
                Admission admission = t == null && a != null ? a : Admission.refuse(403, "admission check failed");
                FramedTcpTransport transport = newTransport(ch, options, request, admission.attachment());
                transport.closeFuture().whenComplete((v, e) -> admission.release());
                if (!admission.isAdmitted()) {
                    transport.close(CloseCode.of(admission.closeCode()), admission.reason());
                    return;
                }
                open.add(transport);
                transport.closeFuture().whenComplete((v, e) -> open.remove(transport));
                listener.transportCreated(transport);
            }));
        }

        @Override
        public URI uri() {
            return uri;
        }

        @Override
        public CompletableFuture<Void> shutdown() {
            Channel c = listening;
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (c == null) {
                done.complete(null);
            } else {
                c.close().addListener(f -> done.complete(null));
            }
            return done;
        }

        @Override
        public CompletableFuture<Void> shutdownNow() {
            return shutdown().thenCompose(v -> CompletableFuture.allOf(open.stream().map(t -> {
                t.close(CloseCode.GOING_AWAY, "server shutting down");
                return t.closeFuture();
            }).toArray(CompletableFuture[]::new)));
        }
    }
}
