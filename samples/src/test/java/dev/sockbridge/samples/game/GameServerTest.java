package dev.sockbridge.samples.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.SocketCallException;
import dev.sockbridge.api.client.BridgedDatagramSocket;
import dev.sockbridge.api.client.BridgedSocket;
import dev.sockbridge.api.client.SockbridgeClient;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SocketPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The game server as a native client of its proxy sees it (the Java client over WebSocket, on loopback): the game
 * and the chat answer through the proxy, and the policy lets nothing else through.
 */
@Timeout(60)
class GameServerTest {

    /** Stand-ins for clients/js, so this test needs no npm install (the browser test uses the real one). */
    static Path fakeClient(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(dir.resolve("node_modules/cbor-x"));
        Files.writeString(dir.resolve("src/sockbridge.js"), "export {};");
        Files.writeString(dir.resolve("node_modules/cbor-x/encode.js"), "export {};");
        Files.writeString(dir.resolve("node_modules/cbor-x/decode.js"), "export {};");
        return dir;
    }

    @Test
    void thePolicyAllowsTheGamePortOverUdpAndTheChatPortOverTcpAndNothingElse() {
        InetSocketAddress game = new InetSocketAddress("127.0.0.1", 40000);
        InetSocketAddress chat = new InetSocketAddress("127.0.0.1", 40001);
        SocketPolicy p = GameServer.policy(game, chat);
        SessionInfo s = new SessionInfo(1, null, "ws", "sockbridge");
        assertTrue(p.checkConnect(s, game, true).allowed());
        assertTrue(p.checkConnect(s, chat, false).allowed());
        assertFalse(p.checkConnect(s, game, false).allowed(), "TCP to the game's port");
        assertFalse(p.checkConnect(s, chat, true).allowed(), "UDP to the chat's port");
        assertFalse(p.checkConnect(s, new InetSocketAddress("127.0.0.1", 40002), false).allowed(), "another port");
        assertFalse(p.checkConnect(s, new InetSocketAddress("127.0.0.2", 40000), true).allowed(), "another host");
        assertFalse(p.checkConnect(s, new InetSocketAddress("::1", 40000), true).allowed(), "the same port on ::1");
        assertTrue(p.checkBind(s, new InetSocketAddress("127.0.0.1", 0), true).allowed());
        assertFalse(p.checkBind(s, new InetSocketAddress("127.0.0.1", 0), false).allowed(), "a TCP listener");
        assertFalse(p.checkBind(s, new InetSocketAddress("127.0.0.1", 40003), true).allowed(), "a chosen UDP port");
        assertFalse(p.checkBind(s, new InetSocketAddress("0.0.0.0", 0), true).allowed(), "beyond loopback");
        assertFalse(p.checkLookup(s, "localhost").allowed());
    }

    @Test
    void aClientOfTheProxyPlaysAndChatsAndReachesNothingElse(@TempDir Path dir) throws Exception {
        try (GameServer server = GameServer.start(0, fakeClient(dir));
             SockbridgeClient client = SockbridgeClient.connect(URI.create(server.pageUri().resolve("/sockbridge").toString()
                     .replaceFirst("^http", "ws"))).get(10, TimeUnit.SECONDS)) {
            InetSocketAddress game = server.game.udpAddress();
            InetSocketAddress chat = server.game.chatAddress();

            try (BridgedSocket s = new BridgedSocket(client)) {
                s.connect(chat, 10_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write("java\nhello\n".getBytes(StandardCharsets.UTF_8));
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                assertEquals("* java joined", r.readLine());
                assertEquals("java: hello", r.readLine());
            }

            try (BridgedDatagramSocket u = new BridgedDatagramSocket(client, new InetSocketAddress("127.0.0.1", 0))) {
                u.setSoTimeout(10_000);
                byte[] in = GameTest.input(1, GameTest.RIGHT, "java").array();
                u.send(new DatagramPacket(in, in.length, game));
                GameTest.Seen me = null;
                // snapshots come every tick: the first ones may show the player before it moved
                for (int i = 0; i < 100 && (me == null || me.x() == Game.WIDTH / 2); i++) {
                    DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                    u.receive(p);
                    assertEquals(game, p.getSocketAddress());
                    GameTest.Snapshot snap = GameTest.decode(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
                    me = snap.players().stream().filter(x -> x.id() == snap.you()).findFirst().orElse(null);
                }
                assertEquals("java", me.name());
                assertTrue(me.x() > Game.WIDTH / 2, "moved right: " + me);

                byte[] text = "hi".getBytes(StandardCharsets.UTF_8);
                assertDenied(() -> u.send(new DatagramPacket(text, text.length, chat)));
            }
            long deniedBefore = server.proxy.stats().callsDenied();
            assertDenied(() -> new BridgedSocket(client).connect(game, 10_000));
            assertDenied(() -> new BridgedSocket(client).connect(server.webTransport.localAddress(), 10_000));
            assertDenied(() -> new BridgedSocket(client).connect(new InetSocketAddress("127.0.0.1", server.pageUri().getPort()), 10_000));
            assertDenied(() -> new BridgedDatagramSocket(client, new InetSocketAddress("127.0.0.1", 40123)));
            assertEquals(deniedBefore + 4, server.proxy.stats().callsDenied());

            // the page learns the WebTransport certificate's hash (serverCertificateHashes) and the game's ports
            String json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.pageUri().resolve("/game.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(json.contains("\"certificateHashes\":[\"" + server.webTransport.certificate().sha256Base64() + "\"]"), json);
            assertTrue(json.contains("\"port\":" + game.getPort()) && json.contains("\"port\":" + chat.getPort()), json);
        }
    }

    /** Straight to the game's ports, as a process on the server's host could: what it cannot read it refuses or ignores. */
    @Test
    void theGameIgnoresDatagramsThatAreNotInputsAndTheChatClosesOnAnOverlongLine(@TempDir Path dir) throws Exception {
        try (GameServer server = GameServer.start(0, fakeClient(dir));
             java.net.DatagramSocket udp = new java.net.DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             java.net.Socket chat = new java.net.Socket()) {
            udp.setSoTimeout(10_000);
            InetSocketAddress game = server.game.udpAddress();
            for (byte[] junk : new byte[][] {{}, {2, 0, 0, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 1, 8, 9, 'x'}, new byte[1400]}) {
                udp.send(new DatagramPacket(junk, junk.length, game));
            }
            byte[] in = GameTest.input(1, 0, "real").array();
            udp.send(new DatagramPacket(in, in.length, game));
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            udp.receive(p); // sent in order on loopback: the junk came first, and made no player
            GameTest.Snapshot snap = GameTest.decode(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
            assertEquals(java.util.List.of("real"), snap.players().stream().map(GameTest.Seen::name).toList());

            chat.connect(server.game.chatAddress(), 10_000);
            chat.setSoTimeout(10_000);
            chat.getOutputStream().write(("me\n" + "x".repeat(GameSockets.MAX_LINE + 1) + "\n").getBytes(StandardCharsets.UTF_8));
            BufferedReader r = new BufferedReader(new InputStreamReader(chat.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("* me joined", r.readLine());
            assertEquals("* closed: line over " + GameSockets.MAX_LINE + " bytes", r.readLine());
            assertEquals(null, r.readLine(), "closed");
        }
    }

    interface Call {
        void run() throws Exception;
    }

    private static void assertDenied(Call call) {
        SocketCallException e = assertThrows(SocketCallException.class, call::run);
        assertEquals(Errno.EACCES, e.errno(), e.getMessage());
    }
}
