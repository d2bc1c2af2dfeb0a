package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.api.testing.TestPki;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.proxy.auth.GrantClaims;
import dev.sockbridge.proxy.auth.TokenKeys;
import dev.sockbridge.proxy.auth.TokenMinter;
import dev.sockbridge.transport.webtransport.QuicTransportOptions;
import dev.sockbridge.transport.websocket.WebSocketOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable proxy with authentication on ({@code --auth-token-key}, {@code --auth-client-ca}), as
 * users run it: one child process serves every transport and front end, and each is tried with no
 * credential, good and bad tokens, and good and foreign client certificates. Real sockets on loopback.
 */
@Timeout(180)
class ProxyAuthTest {
    @TempDir
    static Path dir;
    static ProxyProcess proxy;
    static SecretKey key;
    static int wsPort;
    static URI ws;
    static URI wss;
    static URI webTransport;
    static String webTransportPin;
    static URI quic;
    static String quicPin;
    /** The target tokens grant, and another loopback listener the proxy's own policy allows but no token does. */
    static ServerSocket granted;
    static ServerSocket notGranted;
    /** The websockify bridge's fixed target (its connections are never accepted: they only wait in the backlog). */
    static ServerSocket bridgeTarget;
    /** Issued by a CA the proxy does not trust, admitted by its fingerprint (--auth-client-pin). */
    static TestPki.Issued pinned;

    @BeforeAll
    static void start() throws Exception {
        Path keyFile = dir.resolve("token.key");
        Files.writeString(keyFile, TokenKeys.newHmacKeyText() + "\n");
        key = TokenKeys.readHmacKey(keyFile);
        TestPki.Issued ca = TestPki.ca("Game Studio Client CA");
        TestPki.writePem(ca, dir, "ca");
        TestPki.writePem(TestPki.issue(ca, "server-bot-7"), dir, "client");
        TestPki.Issued otherCa = TestPki.ca("Someone Else's CA");
        TestPki.writePem(TestPki.issue(otherCa, "intruder"), dir, "intruder");
        pinned = TestPki.issue(otherCa, "pinned-bot");
        TestPki.writePem(pinned, dir, "pinned");

        granted = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        notGranted = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        bridgeTarget = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        // websockify-style: a token names the one target its session may reach
        Files.writeString(dir.resolve("tokens.txt"), "# player tokens\ntok-player-7: 127.0.0.1:" + granted.getLocalPort() + "\n");
        proxy = new ProxyProcess("--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--tls-self-signed",
                "--webtransport-listen", "127.0.0.1:0", "--quic-listen", "127.0.0.1:0",
                "--auth-token-key", keyFile.toString(), "--auth-client-ca", dir.resolve("ca.pem").toString(),
                "--auth-token-file", dir.resolve("tokens.txt").toString(),
                "--bridge-target", "127.0.0.1:" + bridgeTarget.getLocalPort(), "--demo");
        proxy.await("ready in", 60);
        for (String l : proxy.lines.toArray(new String[0])) {
            if (l.startsWith("Sockbridge protocol:")) {
                URI u = URI.create(field(l, "Sockbridge protocol:"));
                if (u.getScheme().equals("ws")) {
                    ws = u;
                } else {
                    wss = u;
                }
            } else if (l.startsWith("WebTransport:")) {
                webTransport = URI.create(field(l, "WebTransport:"));
            } else if (l.startsWith("  certificate SHA-256:")) {
                webTransportPin = field(l, "  certificate SHA-256:");
            } else if (l.startsWith("raw QUIC:")) {
                quic = URI.create(field(l, "raw QUIC:"));
                quicPin = l.replaceFirst("^.*certificate SHA-256 ", "").replaceFirst("\\).*$", "");
            }
        }
        wsPort = ws.getPort();
    }

    private static String field(String line, String label) {
        return line.substring(label.length()).strip().replaceFirst("\\s.*$", "");
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        granted.close();
        notGranted.close();
        bridgeTarget.close();
    }

    /** A token for the one granted target, as a game backend mints it. */
    private static String token(GrantClaims.Builder b) {
        return TokenMinter.hmac(key).mint(b.build());
    }

    private static GrantClaims.Builder grant() {
        return GrantClaims.builder("player-42").validFor(Duration.ofMinutes(10))
                .connect("127.0.0.1:" + granted.getLocalPort() + "/tcp");
    }

    @Test
    void startupSaysWhatAuthenticationIsInForce() {
        String auth = proxy.lines.stream().filter(l -> l.startsWith("auth:")).findFirst().orElseThrow();
        assertTrue(auth.contains("TLS client certificates") && auth.contains("signed tokens") && auth.contains("1 HMAC-SHA256")
                && auth.contains("token file")
                && auth.contains("without a credential are refused"), auth);
    }

    @Test
    void webSocketRefusesMissingExpiredTamperedAndForeignTokensWithTheirReasons() throws Exception {
        assertEquals("401 credentials required", upgrade("/sockbridge", null, ""));
        Instant now = Instant.now();
        String expired = token(GrantClaims.builder("p").issuedAt(now.minusSeconds(3600)).expiresAt(now.minusSeconds(600))
                .connect("127.0.0.1/tcp"));
        assertEquals("401 token expired", upgrade("/sockbridge", expired, ""));
        String good = token(grant());
        // one character of the claims changed: the signature no longer matches
        int dot = good.indexOf('.');
        char c = good.charAt(dot - 2);
        String tampered = good.substring(0, dot - 2) + (c == 'A' ? 'B' : 'A') + good.substring(dot - 1);
        assertEquals("401 bad token signature", upgrade("/sockbridge", tampered, ""));
        String otherKey = TokenMinter.hmac(TokenKeys.hmacKey(new byte[32])).mint(grant().build());
        assertEquals("401 bad token signature", upgrade("/sockbridge", otherKey, ""));
        String ed25519 = TokenMinter.ed25519(TokenKeys.newEd25519KeyPair().getPrivate()).mint(grant().build());
        assertEquals("401 token signature algorithm not accepted", upgrade("/sockbridge", ed25519, ""));
        String early = token(grant().notBefore(now.plusSeconds(3600)).expiresAt(now.plusSeconds(7200)));
        assertEquals("401 token not yet valid", upgrade("/sockbridge", early, ""));

        // the same token is taken from the query, an Authorization header or the cookie
        assertEquals("101", upgrade("/sockbridge", good, ""));
        assertEquals("101", upgrade("/sockbridge", null, "Authorization: Bearer " + good + "\r\n"));
        assertEquals("101", upgrade("/sockbridge", null, "Cookie: theme=dark; sockbridge_token=" + good + "\r\n"));
        // offered as a second subprotocol (what a browser's WebSocket can send); the answer names the real one only
        try (Socket s = rawUpgrade("/sockbridge", null, "Sec-WebSocket-Protocol: " + WebSocketOptions.SUBPROTOCOL
                + ", sockbridge.token." + good + "\r\n")) {
            List<String> head = new ArrayList<>();
            assertEquals("101", status(s.getInputStream(), head)[0]);
            assertTrue(head.contains("sec-websocket-protocol: " + WebSocketOptions.SUBPROTOCOL), head.toString());
        }
        assertEquals("401 credentials required", upgrade("/sockbridge", null, "Authorization: Basic dXNlcjpwYXNz\r\n"));
    }

    @Test
    void aTokenAdmitsOverWebSocketUnderItsGrantWhichNarrowsTheProxysPolicy() throws Exception {
        SockbridgeClient client = SockbridgeClient.connect(withToken(ws, token(grant()))).get(10, TimeUnit.SECONDS);
        try {
            assertEchoes(client, "over ws");
            // the proxy's policy allows every loopback port; the grant only one
            assertConnectDenied(client, notGranted.getLocalPort(), Errno.EACCES);
            // and no listener: the grant has no bind rule
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.socket(2, 1, 0)
                    .thenCompose(fd -> client.bind(fd, new InetSocketAddress("127.0.0.1", 0))).get(10, TimeUnit.SECONDS));
            assertEquals(Errno.EACCES, ((SocketCallException) e.getCause()).errno());
        } finally {
            client.close();
        }
    }

    @Test
    void aTokenFileTokenAdmitsToItsOneTarget() throws Exception {
        assertEquals("401 unknown token", upgrade("/sockbridge", "tok-nobody", ""));
        SockbridgeClient client = SockbridgeClient.connect(withToken(ws, "tok-player-7")).get(10, TimeUnit.SECONDS);
        try {
            assertEchoes(client, "with a token-file token");
            assertConnectDenied(client, notGranted.getLocalPort(), Errno.EACCES);
        } finally {
            client.close();
        }
    }

    @Test
    void wssAdmitsATokenOrACertificateOfTheClientCaAndRefusesTheRest() throws Exception {
        TransportOptions trustAll = TransportOptions.defaults().with(WebSocketOptions.TLS_INSECURE_TRUST_ALL, true);
        ExecutionException none = assertThrows(ExecutionException.class,
                () -> SockbridgeClient.connect(wss, trustAll).get(10, TimeUnit.SECONDS));
        assertTrue(String.valueOf(none.getCause().getMessage()).contains("401") && none.getCause().getMessage().contains("credentials required"),
                String.valueOf(none.getCause()));

        SockbridgeClient byToken = SockbridgeClient.connect(withToken(wss, token(grant())), trustAll).get(10, TimeUnit.SECONDS);
        try {
            assertEchoes(byToken, "over wss with a token");
            assertConnectDenied(byToken, notGranted.getLocalPort(), Errno.EACCES);
        } finally {
            byToken.close();
        }

        SockbridgeClient byCert = SockbridgeClient.connect(wss, withCert(trustAll, "client", false)).get(10, TimeUnit.SECONDS);
        try {
            // a certificate gets the proxy's own policy: every loopback port
            assertEchoes(byCert, "over wss with a client certificate");
        } finally {
            byCert.close();
        }

        // a certificate of another CA fails the TLS handshake (the server does not trust its issuer)
        assertThrows(ExecutionException.class,
                () -> SockbridgeClient.connect(wss, withCert(trustAll, "intruder", false)).get(10, TimeUnit.SECONDS));
    }

    @Test
    void webTransportTakesTheTokenFromTheConnectUrlOrACertificate() throws Exception {
        TransportOptions o = TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, webTransportPin)
                .with(QuicTransportOptions.ORIGIN, "http://127.0.0.1:" + wsPort);
        // the CONNECT's answer is the refusal's status (the Java client does not read its body)
        ExecutionException none = assertThrows(ExecutionException.class,
                () -> SockbridgeClient.connect(webTransport, o).get(10, TimeUnit.SECONDS), "no credential");
        assertTrue(String.valueOf(none.getCause()).contains("refused with HTTP status 401"), String.valueOf(none.getCause()));
        String expired = token(grant().issuedAt(Instant.now().minusSeconds(3600)).expiresAt(Instant.now().minusSeconds(600)));
        ExecutionException old = assertThrows(ExecutionException.class,
                () -> SockbridgeClient.connect(withToken(webTransport, expired), o).get(10, TimeUnit.SECONDS), "expired");
        assertTrue(String.valueOf(old.getCause()).contains("refused with HTTP status 401"), String.valueOf(old.getCause()));

        SockbridgeClient byToken = SockbridgeClient.connect(withToken(webTransport, token(grant())), o).get(10, TimeUnit.SECONDS);
        try {
            assertEchoes(byToken, "over WebTransport with a token");
            assertConnectDenied(byToken, notGranted.getLocalPort(), Errno.EACCES);
        } finally {
            byToken.close();
        }
        SockbridgeClient byCert = SockbridgeClient.connect(webTransport, withCert(o, "client", true)).get(10, TimeUnit.SECONDS);
        try {
            assertEchoes(byCert, "over WebTransport with a client certificate");
        } finally {
            byCert.close();
        }
    }

    @Test
    void rawQuicAdmitsACertificateOfTheClientCaOnly() throws Exception {
        // raw QUIC has no URL or headers to carry a token: native clients present a certificate
        TransportOptions o = TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, quicPin);
        // the reason must reach the client every time, not lose a race with the end of the streams it opened
        for (int i = 0; i < 10; i++) {
            ExecutionException none = assertThrows(ExecutionException.class, () -> SockbridgeClient.connect(quic, o).get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(none.getCause()).contains("credentials required"), "attempt " + i + ": " + none.getCause());
        }
        assertThrows(ExecutionException.class,
                () -> SockbridgeClient.connect(quic, withCert(o, "intruder", true)).get(10, TimeUnit.SECONDS), "foreign CA");

        SockbridgeClient byCert = SockbridgeClient.connect(quic, withCert(o, "client", true)).get(10, TimeUnit.SECONDS);
        try {
            assertEchoes(byCert, "over raw QUIC with a client certificate");
        } finally {
            byCert.close();
        }
    }

    @Test
    void aPinnedCertificateIsAdmittedOnWssAndRawQuicBesideThoseOfTheClientCa() throws Exception {
        try (ProxyProcess p = new ProxyProcess("--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--tls-self-signed",
                "--quic-listen", "127.0.0.1:0", "--auth-client-ca", dir.resolve("ca.pem").toString(),
                "--auth-client-pin", dev.sockbridge.proxy.auth.ClientCertificateAuthenticator.fingerprint(pinned.certificate()))) {
            p.await("ready in", 60);
            URI tls = null;
            URI raw = null;
            String pin = null;
            for (String l : p.lines.toArray(new String[0])) {
                if (l.startsWith("Sockbridge protocol:   wss:")) {
                    tls = URI.create(field(l, "Sockbridge protocol:"));
                } else if (l.startsWith("raw QUIC:")) {
                    raw = URI.create(field(l, "raw QUIC:"));
                    pin = l.replaceFirst("^.*certificate SHA-256 ", "").replaceFirst("\\).*$", "");
                }
            }
            TransportOptions trustAll = TransportOptions.defaults().with(WebSocketOptions.TLS_INSECURE_TRUST_ALL, true);
            TransportOptions quicPinned = TransportOptions.defaults().with(QuicTransportOptions.CERTIFICATE_SHA256, pin);
            for (String cert : new String[] {"pinned", "client"}) {
                SockbridgeClient.connect(tls, withCert(trustAll, cert, false)).get(10, TimeUnit.SECONDS).close();
                SockbridgeClient.connect(raw, withCert(quicPinned, cert, true)).get(10, TimeUnit.SECONDS).close();
            }
            // TLS now takes any certificate: the authenticator refuses one neither pinned nor of the CA
            URI wssUri = tls;
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> SockbridgeClient.connect(wssUri, withCert(trustAll, "intruder", false)).get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).contains("401") && String.valueOf(e.getCause()).contains("client certificate not trusted"),
                    String.valueOf(e.getCause()));
            URI rawUri = raw;
            // the check takes a while (a certificate path to validate): the client's main stream is open and held
            // when the refusal comes, and the reason must still reach it, every time
            for (int i = 0; i < 10; i++) {
                e = assertThrows(ExecutionException.class,
                        () -> SockbridgeClient.connect(rawUri, withCert(quicPinned, "intruder", true)).get(10, TimeUnit.SECONDS));
                assertTrue(String.valueOf(e.getCause()).contains("client certificate not trusted"), "attempt " + i + ": " + e.getCause());
            }
        }
    }

    @Test
    void emscriptenEndpointAndWebsockifyBridgeAreAdmittedByTokenOnly() throws Exception {
        String good = token(grant());
        assertEquals("401 credentials required", upgrade("/emscripten", null, ""));
        assertEquals("401 bad token signature", upgrade("/emscripten", good.substring(0, good.length() - 2) + "AA", ""));
        assertEquals("101", upgrade("/emscripten", good, ""));

        String binary = "Sec-WebSocket-Protocol: binary\r\n";
        assertEquals("401 credentials required", upgrade("/websockify", null, binary));
        assertEquals("401 credentials required", upgrade("/websockify-udp", null, binary));
        assertEquals("101", upgrade("/websockify", token(grant().connect("127.0.0.1:" + bridgeTarget.getLocalPort() + "/tcp")), binary));
    }

    @Test
    void websockifyBridgeToATargetOutsideTheGrantIsClosedWithoutReachingIt() throws Exception {
        // admitted (a valid token), but its grant names another target than the bridge's
        String elsewhere = token(GrantClaims.builder("p").validFor(Duration.ofMinutes(10))
                .connect("127.0.0.1:" + notGranted.getLocalPort() + "/tcp"));
        try (Socket s = rawUpgrade("/websockify", elsewhere, "Sec-WebSocket-Protocol: binary\r\n")) {
            InputStream in = s.getInputStream();
            assertEquals("101", status(in)[0]);
            // the bridge's connect is denied by the grant: a close frame (opcode 8) that says so
            int b0 = in.read();
            int len = in.read() & 0x7f;
            byte[] payload = in.readNBytes(len);
            assertEquals(0x88, b0, "a close frame");
            String reason = new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
            assertTrue(reason.contains("not in this session's grant"), reason);
        }
    }

    @Test
    void demoTokenEndpointMintsATokenForWhatTheDemoPageDoes() throws Exception {
        String body = httpGet(wsPort, "/demo-token");
        assertTrue(body.startsWith("{\"token\":\""), body);
        // a page of another site that rebinds its name to 127.0.0.1 gets no token (and no other site can read
        // the answer: it carries no CORS header)
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), wsPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /demo-token HTTP/1.1\r\nHost: evil.example:" + wsPort + "\r\nOrigin: http://evil.example:"
                    + wsPort + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            List<String> head = new ArrayList<>();
            assertEquals("421", status(s.getInputStream(), head)[0]);
        }
        List<String> head = new ArrayList<>();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), wsPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /demo-token HTTP/1.1\r\nHost: 127.0.0.1:" + wsPort + "\r\nOrigin: https://evil.example\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            status(s.getInputStream(), head);
        }
        assertTrue(head.stream().noneMatch(h -> h.startsWith("access-control-")), head.toString());
        String t = body.substring(10, body.length() - 2);
        SockbridgeClient client = SockbridgeClient.connect(withToken(ws, t)).get(10, TimeUnit.SECONDS);
        try {
            // TCP on loopback (the page's listen/connect checks), UDP to the demo's echo server only
            assertEchoes(client, "with the demo's token");
            assertConnectDenied(client, notGranted.getLocalPort(), 2, Errno.EACCES);
        } finally {
            client.close();
        }
    }

    // ---- helpers

    private static URI withToken(URI u, String token) {
        return URI.create(u + (u.getRawQuery() == null ? "?" : "&") + "token=" + token);
    }

    private static TransportOptions withCert(TransportOptions o, String name, boolean quic) {
        String cert = dir.resolve(name + ".pem").toString();
        String key = dir.resolve(name + ".key").toString();
        return quic ? o.with(QuicTransportOptions.TLS_CLIENT_CERT_FILE, cert).with(QuicTransportOptions.TLS_CLIENT_KEY_FILE, key)
                : o.with(WebSocketOptions.TLS_CLIENT_CERT_FILE, cert).with(WebSocketOptions.TLS_CLIENT_KEY_FILE, key);
    }

    /** Through {@code client} to the granted listener and back. */
    private static void assertEchoes(SockbridgeClient client, String text) throws Exception {
        BridgedSocket s = new BridgedSocket(client, "127.0.0.1", granted.getLocalPort());
        try (Socket peer = granted.accept()) {
            peer.setSoTimeout(10_000);
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(b);
            assertArrayEquals(b, peer.getInputStream().readNBytes(b.length));
            peer.getOutputStream().write(b);
            assertArrayEquals(b, s.getInputStream().readNBytes(b.length));
        } finally {
            s.close();
        }
    }

    private static void assertConnectDenied(SockbridgeClient client, int port, Errno expected) throws Exception {
        assertConnectDenied(client, port, 1, expected);
    }

    /** {@code type} 1 is TCP, 2 UDP (a UDP connect is checked as a sendto would be). */
    private static void assertConnectDenied(SockbridgeClient client, int port, int type, Errno expected) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> client.socket(2, type, 0)
                .thenCompose(fd -> client.connect(fd, new InetSocketAddress("127.0.0.1", port))).get(10, TimeUnit.SECONDS));
        assertEquals(expected, ((SocketCallException) e.getCause()).errno(), String.valueOf(e.getCause()));
    }

    /** A WebSocket upgrade to {@code path} on the ws listener: "101", or the status and the reason body ("401 token expired"). */
    private static String upgrade(String path, String token, String headers) throws Exception {
        try (Socket s = rawUpgrade(path, token, headers)) {
            String[] r = status(s.getInputStream());
            return r[0].equals("101") ? "101" : r[0] + " " + r[1];
        }
    }

    private static Socket rawUpgrade(String path, String token, String headers) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), wsPort);
        s.setSoTimeout(10_000);
        boolean sockbridge = path.equals("/sockbridge") && !headers.contains("Sec-WebSocket-Protocol");
        String req = "GET " + path + (token == null ? "" : "?token=" + token) + " HTTP/1.1\r\nHost: 127.0.0.1:" + wsPort
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n" + (sockbridge ? "Sec-WebSocket-Protocol: " + WebSocketOptions.SUBPROTOCOL + "\r\n" : "")
                + headers + "\r\n";
        s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    /** The status code and (for a response with a body) the body of an HTTP response. */
    private static String[] status(InputStream in) throws IOException {
        return status(in, new ArrayList<>());
    }

    /** As {@link #status(InputStream)}, adding each header line, lower-cased, to {@code head}. */
    private static String[] status(InputStream in, List<String> head) throws IOException {
        String statusLine = line(in);
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            head.add(h.toLowerCase(java.util.Locale.ROOT));
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).strip());
            }
        }
        String code = statusLine.split(" ")[1];
        String body = code.equals("101") ? "" : new String(in.readNBytes(length), StandardCharsets.UTF_8).strip();
        return new String[] {code, body};
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed in the HTTP head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static String httpGet(int port, String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String[] r = status(s.getInputStream());
            assertEquals("200", r[0], r[1]);
            return r[1];
        }
    }
}
