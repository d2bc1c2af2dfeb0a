package dev.sockbridge.samples.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The game's rules and wire formats, without sockets: addresses are plain strings here. */
class GameTest {
    static final int UP = 1;
    static final int DOWN = 2;
    static final int RIGHT = 8;

    /** What the page's encodeInput writes. */
    static ByteBuffer input(long seq, int keys, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(7 + n.length).put(Game.INPUT).putInt((int) seq).put((byte) keys).put((byte) n.length).put(n).flip();
    }

    record Seen(int id, int x, int y, String name) {
    }

    record Snapshot(long tick, int you, List<Seen> players) {
    }

    /** What the page's decodeSnapshot reads; every byte must be used. */
    static Snapshot decode(ByteBuffer b) {
        assertEquals(Game.SNAPSHOT, b.get());
        long tick = b.getInt() & 0xffffffffL;
        int you = b.getShort() & 0xffff;
        List<Seen> players = new ArrayList<>();
        for (int i = b.get() & 0xff; i > 0; i--) {
            int id = b.getShort() & 0xffff;
            int x = b.getShort() & 0xffff;
            int y = b.getShort() & 0xffff;
            byte[] name = new byte[b.get() & 0xff];
            b.get(name);
            players.add(new Seen(id, x, y, new String(name, StandardCharsets.UTF_8)));
        }
        assertEquals(0, b.remaining(), "trailing bytes");
        return new Snapshot(tick, you, players);
    }

    private static void send(Game<String> g, String from, long seq, int keys, String name) {
        Game.Input in = Game.decodeInput(input(seq, keys, name));
        assertNotNull(in, "decoded");
        g.input(from, in);
    }

    @Test
    void eachTickMovesPlayersByTheirKeysAndSnapshotsShowEveryoneToEach() {
        Game<String> g = new Game<>();
        send(g, "a", 1, RIGHT, "alice");
        send(g, "b", 1, UP | RIGHT, "bob");
        g.tick();
        g.tick();

        Snapshot toAlice = decode(g.snapshot("a"));
        Snapshot toBob = decode(g.snapshot("b"));
        assertEquals(2, toAlice.tick());
        int cx = Game.WIDTH / 2;
        int cy = Game.HEIGHT / 2;
        assertEquals(List.of(new Seen(1, cx + 2 * Game.SPEED, cy, "alice"), new Seen(2, cx + 2 * Game.SPEED, cy - 2 * Game.SPEED, "bob")),
                toAlice.players());
        assertEquals(toAlice.players(), toBob.players());
        assertEquals(1, toAlice.you());
        assertEquals(2, toBob.you());
    }

    @Test
    void playersStayInsideTheWorld() {
        Game<String> g = new Game<>();
        send(g, "a", 1, DOWN | RIGHT, "alice");
        for (int i = 0; i < Game.WIDTH / 2 / Game.SPEED + 5; i++) { // less than the timeout
            g.tick();
        }
        Seen a = decode(g.snapshot("a")).players().get(0);
        assertEquals(Game.WIDTH, a.x());
        assertEquals(Game.HEIGHT, a.y());
    }

    @Test
    void anOlderInputThanOneAlreadyTakenIsIgnored() {
        Game<String> g = new Game<>();
        send(g, "a", 5, RIGHT, "alice");
        send(g, "a", 4, 0, "alice"); // came late: the player still holds RIGHT
        g.tick();
        assertEquals(Game.WIDTH / 2 + Game.SPEED, g.player("a").x);
        send(g, "a", 6, 0, "alice");
        g.tick();
        assertEquals(Game.WIDTH / 2 + Game.SPEED, g.player("a").x);
    }

    @Test
    void aPlayerSilentForTheTimeoutLeaves() {
        Game<String> g = new Game<>();
        send(g, "a", 1, 0, "alice");
        send(g, "b", 1, 0, "bob");
        for (int i = 1; i <= Game.TIMEOUT_TICKS; i++) {
            g.tick();
            send(g, "b", 1 + i, 0, "bob");
        }
        assertNotNull(g.player("a"));
        g.tick();
        assertNull(g.player("a"));
        assertEquals(List.of("b"), List.copyOf(g.addresses()));
    }

    @Test
    void aFullGameAdmitsNoOneMoreAndItsSnapshotStillFitsOneQuicDatagram() {
        Game<String> g = new Game<>();
        String longest = "ABCDEFGHIJKLMNOP";
        assertEquals(Game.MAX_NAME, longest.length());
        for (int i = 0; i <= Game.MAX_PLAYERS; i++) {
            send(g, "p" + i, 1, 0, longest);
        }
        assertEquals(Game.MAX_PLAYERS, g.addresses().size());
        assertNull(g.player("p" + Game.MAX_PLAYERS));
        ByteBuffer s = g.snapshot("p0");
        // a QUIC datagram carries about 1150 bytes of payload to a browser (shared/webtransport-notes.md)
        assertEquals(744, s.remaining());
        assertEquals(Game.MAX_PLAYERS, decode(s).players().size());
    }

    @Test
    void whatIsNotAnInputIsIgnored() {
        assertNull(Game.decodeInput(ByteBuffer.allocate(0)));
        assertNull(Game.decodeInput(ByteBuffer.wrap(new byte[] {2, 0, 0, 0, 1, 8, 1, 'a'})), "a snapshot's type");
        assertNull(Game.decodeInput(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 8})), "cut short");
        assertNull(Game.decodeInput(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 8, 2, 'a'})), "name shorter than said");
        assertNull(Game.decodeInput(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 8, 1, 'a', 'b'})), "trailing bytes");
        assertNull(Game.decodeInput(input(1, 0, "")), "no name");
        assertNull(Game.decodeInput(input(1, 0, "ABCDEFGHIJKLMNOPQ")), "name too long");
        assertNull(Game.decodeInput(input(1, 0, "a b")), "name with a space");
        assertNull(Game.decodeInput(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 1, 8, 1, (byte) 0xff})), "not UTF-8");
        Game.Input ok = Game.decodeInput(input(0xfffffffeL, 0xff, "bob"));
        assertEquals(new Game.Input(0xfffffffeL, 0x0f, "bob"), ok, "seq unsigned, unknown key bits dropped");
    }
}
