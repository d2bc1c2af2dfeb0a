package dev.sockbridge.transport.websocket.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.websocket.HttpHandler;
import dev.sockbridge.transport.websocket.StaticContent;
import dev.sockbridge.transport.websocket.WebSocketRoute;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link dev.sockbridge.transport.websocket.WebSocketServer} is made of: one listening
 * channel, the routes (by path and subprotocol, see {@link RouteTable}), the static content, and every accepted channel (for
 * {@link #shutdownNow}).
 *
 * <pre>
 *  accepted channel: [tls] ─ HttpServerCodec ─ HttpObjectAggregator ─ IdleStateHandler ─ {@link HttpRouter}
 *  after an upgrade: [tls] ─ ws encoder/decoder ─ [IdleStateHandler] ─ {@link WebSocketChannelTransport} (reassembles)
 * </pre>
 */
public final class ServerEngine {
    private static final Logger LOG = LoggerFactory.getLogger(ServerEngine.class);
    static final AttributeKey<WebSocketChannelTransport> SESSION = AttributeKey.valueOf("sockbridge.ws.session");
    /** Upgrade and page requests are small: larger ones are refused with 413. */
    static final int MAX_REQUEST_BYTES = 16 * 1024;

    private final String host;
    private final int port;
    private final boolean secure;
    private final WebSocketConfig config;
    private final EventLoopGroup group;
    private final Map<String, StaticContent> content;
    private final HttpHandler httpHandler;
    private final RouteTable routes = new RouteTable();
    private final ChannelGroup channels = new DefaultChannelGroup("sockbridge-ws", GlobalEventExecutor.INSTANCE);

    private CompletableFuture<InetSocketAddress> started;
    private volatile Channel serverChannel;
    private volatile InetSocketAddress localAddress;
    private volatile X509Certificate certificate;
    private volatile SslContext sslContext;
    private volatile boolean stopped;

    public ServerEngine(String host, int port, boolean secure, TransportOptions options, EventLoopGroup group,
                        Map<String, StaticContent> content, HttpHandler httpHandler, List<WebSocketRoute> routes) {
        this.host = host;
        this.port = port;
        this.secure = secure;
        this.config = WebSocketConfig.forServer(options);
        this.group = group != null ? group : EventLoops.shared(config.nativeTransport());
        this.content = Map.copyOf(content);
        this.httpHandler = httpHandler;
        for (WebSocketRoute r : routes) {
            addRoute(r);
        }
    }

    /** Binds (once; later calls return the same future). TLS material is loaded or made here. */
    public synchronized CompletableFuture<InetSocketAddress> start() {
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        try {
            if (secure) {
                TlsContexts.ServerTls tls = TlsContexts.server(config.options(), host);
                sslContext = tls.context();
                certificate = tls.certificate();
            }
        } catch (Exception e) {
            started.completeExceptionally(e);
            return started;
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(dev.sockbridge.api.transport.EventLoops.serverSocketChannel(group))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, config.waterMark())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        initChild(ch);
                    }
                });
        ChannelFuture bind = b.bind(host, port);
        CompletableFuture<InetSocketAddress> f = started;
        bind.addListener(done -> {
            if (done.isSuccess()) {
                serverChannel = bind.channel();
                localAddress = (InetSocketAddress) bind.channel().localAddress();
                LOG.debug("WebSocket server listening on {} ({})", localAddress, secure ? "wss" : "ws");
                f.complete(localAddress);
            } else {
                f.completeExceptionally(done.cause());
            }
        });
        return started;
    }

    private void initChild(Channel ch) {
        if (stopped) {
            ch.close();
            return;
        }
        channels.add(ch);
        ChannelPipeline p = ch.pipeline();
        if (sslContext != null) {
            p.addLast("tls", sslContext.newHandler(ch.alloc()));
        }
        p.addLast("http", new HttpServerCodec());
        p.addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST_BYTES));
        p.addLast("http-idle", new IdleStateHandler(0, 0, config.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS));
        p.addLast("router", new HttpRouter(this));
    }

    // ---------------------------------------------------------------------------------------------
    // routes and content

    /** Adds a route; throws IllegalStateException if the subprotocol cannot tell it from one at its path. */
    public void addRoute(WebSocketRoute route) {
        routes.add(route);
    }

    /** Removes {@code route} from {@code path} (or every route there, if null). */
    public boolean removeRoute(String path, WebSocketRoute route) {
        return routes.remove(path, route);
    }

    /** The routes an upgrade to {@code path} chooses from (its own, else the catch-all's). */
    List<WebSocketRoute> routes(String path) {
        return routes.candidates(path);
    }

    /** Whether a plain request to {@code path} gets 426 (a WebSocket endpoint) rather than 404. */
    boolean isEndpoint(String path) {
        return routes.isEndpoint(path);
    }

    /** The static content at {@code path}, else what the handler gives, else null. */
    StaticContent content(String path, String query) {
        StaticContent c = content.get(path);
        if (c == null && httpHandler != null) {
            c = httpHandler.get(path, query);
        }
        return c;
    }

    WebSocketConfig config() {
        return config;
    }

    boolean secure() {
        return secure;
    }

    // ---------------------------------------------------------------------------------------------
    // state

    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public boolean isSecure() {
        return secure;
    }

    /**
     * ws(s)://host:port/path for the bound port; a wildcard bind host becomes localhost, and
     * {@link WebSocketRoute#ANY_PATH} becomes {@code /}.
     */
    public URI uri(String path) {
        if (WebSocketRoute.ANY_PATH.equals(path)) {
            path = "/";
        }
        InetSocketAddress a = localAddress;
        if (a == null) {
            throw new IllegalStateException("not started");
        }
        String h = host == null || host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        try {
            return new URI(secure ? "wss" : "ws", null, h, a.getPort(), path, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Stops accepting: the listening socket closes; open connections go on. */
    public CompletableFuture<Void> shutdown() {
        stopped = true;
        Channel sc = serverChannel;
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (sc == null) {
            f.complete(null);
            return f;
        }
        sc.close().addListener(done -> f.complete(null));
        return f;
    }

    /** Stops accepting and closes every connection: sessions with 1001 "server shutting down". */
    public CompletableFuture<Void> shutdownNow() {
        CompletableFuture<Void> listening = shutdown();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(listening);
        for (Channel ch : channels) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            ch.closeFuture().addListener(done -> f.complete(null));
            all.add(f);
            WebSocketChannelTransport s = ch.attr(SESSION).get();
            if (s != null) {
                s.close(CloseCode.GOING_AWAY.code(), "server shutting down");
            } else {
                ch.close();
            }
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]));
    }
}
