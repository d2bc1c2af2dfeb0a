package dev.sockbridge.samples.game;

import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.transport.webtransport.QuicServerTransport;
import dev.sockbridge.transport.webtransport.QuicTransportOptions;
import dev.sockbridge.transport.webtransport.ServerCertificate;
import dev.sockbridge.transport.websocket.StaticContent;
import dev.sockbridge.transport.websocket.WebSocketServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A game server that embeds Sockbridge. Its game speaks plain UDP (inputs in, snapshots out) and its chat plain
 * TCP, both on loopback ({@link GameSockets}); browsers reach them only through the proxy in this same JVM:
 *
 * <pre>
 *   browser ── WebTransport (HTTP/3, UDP port W) ──┐                      ┌─▶ UDP 127.0.0.1:G  game (20 Hz ticks)
 *           └─ WebSocket ws://127.0.0.1:P/sockbridge ┴─▶ SockbridgeProxy ──┤   (policy: these two targets only)
 *   browser ── GET http://127.0.0.1:P/ (page, client, /game.json)           └─▶ TCP 127.0.0.1:C  chat (lines)
 * </pre>
 *
 * <p>The page gets the WebTransport URL and the SHA-256 of its self-signed certificate from /game.json, as
 * browsers need it for {@code serverCertificateHashes}; where WebTransport is missing or fails it uses WebSocket.
 *
 * <p><b>Lifecycle.</b> {@link #start} binds everything; {@link #close} stops the listeners, ends every session
 * (closing its native sockets) and then stops the game.
 */
public final class GameServer implements AutoCloseable {
    final GameSockets game;
    final SockbridgeProxy proxy;
    private WebSocketServer web;
    volatile QuicServerTransport webTransport;

    private GameServer() throws InterruptedException {
        game = GameSockets.start();
        proxy = SockbridgeProxy.builder().policy(policy(game.udpAddress(), game.chatAddress())).build();
    }

    /** {@code GameServer [HTTP port, default 8088]}: prints the page's URL and runs until stopped (Ctrl-C). */
    public static void main(String[] args) throws Exception {
        GameServer server = start(args.length > 0 ? Integer.parseInt(args[0]) : 8088, clientDir());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        System.out.println("policy: " + server.proxy.policy().describe());
        System.out.println("Game page: " + server.pageUri() + "  (open it in two windows; arrow keys move, Enter chats)");
        new java.util.concurrent.CountDownLatch(1).await();
    }

    /**
     * The proxy's whole policy: UDP to the game's port, TCP to the chat's port, and binding the page's one UDP
     * socket on loopback. Nothing else: no other host or port, no listening, no name lookups.
     */
    static SocketPolicy policy(InetSocketAddress gameUdp, InetSocketAddress chatTcp) {
        String allowed = "UDP " + gameUdp.getHostString() + ":" + gameUdp.getPort() + " and TCP " + chatTcp.getHostString() + ":"
                + chatTcp.getPort();
        return new SocketPolicy() {
            @Override
            public Decision checkConnect(SessionInfo session, InetSocketAddress target, boolean udp) {
                // also filters what the browsers' UDP sockets receive: snapshots from the game port only
                return target.equals(udp ? gameUdp : chatTcp) ? Decision.ALLOW : Decision.deny("the game allows only " + allowed);
            }

            @Override
            public Decision checkBind(SessionInfo session, InetSocketAddress local, boolean udp) {
                return udp && local.getAddress().isLoopbackAddress() && local.getPort() == 0 ? Decision.ALLOW
                        : Decision.deny("only a UDP socket on loopback, port chosen by the kernel");
            }

            @Override
            public Decision checkLookup(SessionInfo session, String name) {
                return Decision.deny("the game page uses addresses, not names");
            }

            @Override
            public String describe() {
                return allowed + " only";
            }
        };
    }

    /** Starts the game, the proxy and the page on {@code httpPort} (0: any); {@code clientJs} is clients/js. */
    public static GameServer start(int httpPort, Path clientJs) throws Exception {
        GameServer s = new GameServer();
        try {
            s.serve(httpPort, clientJs);
            return s;
        } catch (Exception e) {
            s.close();
            throw e;
        }
    }

    private void serve(int httpPort, Path clientJs) throws Exception {
        TransportOptions options = TransportOptions.defaults().with(TransportOptions.MAX_FRAME_SIZE, proxy.limits().maxFrameSize());
        WebSocketServer.Builder b = WebSocketServer.builder().bind("127.0.0.1", httpPort).options(options)
                .eventLoopGroup(proxy.eventLoopGroup())
                .httpHandler((path, query) -> path.equals("/game.json") && webTransport != null
                        ? StaticContent.of("application/json", gameJson().getBytes(StandardCharsets.UTF_8)) : null);
        addFiles(b, clientJs);
        web = b.build();
        web.start().get(10, TimeUnit.SECONDS);
        proxy.serve(web.transport("/sockbridge")).get(10, TimeUnit.SECONDS);
        int port = web.localAddress().getPort();
        // WebTransport sessions may come from this server's own page only (others get HTTP 403)
        webTransport = QuicServerTransport.create(URI.create("webtransport://127.0.0.1:0/sockbridge"), options
                .with(QuicTransportOptions.ALLOWED_ORIGINS, "http://127.0.0.1:" + port + ",http://localhost:" + port));
        proxy.serve(webTransport).get(10, TimeUnit.SECONDS);
    }

    /**
     * Where the page's sockets go, and how it reaches WebTransport: the certificate is self-signed (ECDSA, 13 days,
     * renewed every 6), so its current hash is read at each request.
     */
    private String gameJson() {
        ServerCertificate cert = webTransport.certificate();
        return String.format("{\"udp\":{\"host\":\"127.0.0.1\",\"port\":%d},\"chat\":{\"host\":\"127.0.0.1\",\"port\":%d},"
                        + "\"webTransport\":{\"url\":\"https://127.0.0.1:%d/sockbridge\",\"certificateHashes\":[\"%s\"]}}",
                game.udpAddress().getPort(), game.chatAddress().getPort(), webTransport.localAddress().getPort(), cert.sha256Base64());
    }

    /** The page and game.js from this package's resources; the browser client and cbor-x from clients/js, unbundled. */
    private static void addFiles(WebSocketServer.Builder b, Path clientJs) throws IOException {
        b.content("/", StaticContent.of("text/html; charset=utf-8", resource("web/index.html")));
        b.content("/game.js", js(resource("web/game.js")));
        try (Stream<Path> src = Files.list(clientJs.resolve("src"))) {
            for (Path f : (Iterable<Path>) src.filter(f -> f.toString().endsWith(".js"))::iterator) {
                b.content("/client/src/" + f.getFileName(), js(Files.readAllBytes(f)));
            }
        }
        for (String f : new String[] {"encode.js", "decode.js"}) {
            b.content("/client/cbor-x/" + f, js(Files.readAllBytes(clientJs.resolve("node_modules/cbor-x").resolve(f))));
        }
    }

    private static StaticContent js(byte[] body) {
        return StaticContent.of("text/javascript; charset=utf-8", body);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = GameServer.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    /** clients/js: -Dsockbridge.clientJs, or found above the working directory (its cbor-x installed by npm ci). */
    static Path clientDir() throws IOException {
        String set = System.getProperty("sockbridge.clientJs");
        for (Path p = Path.of("").toAbsolutePath(); set == null && p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("clients/js/src"))) {
                set = p.resolve("clients/js").toString();
            }
        }
        if (set == null || !Files.isRegularFile(Path.of(set, "node_modules/cbor-x/encode.js"))) {
            throw new IOException("clients/js with node_modules/cbor-x not found (run npm ci in clients/js, or set -Dsockbridge.clientJs)");
        }
        return Path.of(set);
    }

    /** The game page. */
    public URI pageUri() {
        return URI.create("http://127.0.0.1:" + web.localAddress().getPort() + "/");
    }

    @Override
    public void close() {
        try {
            if (web != null) {
                web.shutdownNow().get(5, TimeUnit.SECONDS); // the page's listener and its WebSocket sessions
            }
            // the other sessions (WebTransport) end too, closing their native sockets before the game's ports close
            proxy.shutdown(Duration.ofSeconds(2)).get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("game server: shutdown: " + e);
        } finally {
            game.close();
        }
    }
}
