package dev.sockbridge.samples.game;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The authoritative game state: players steer with four keys, the server moves them at a fixed tick,
 * and every tick each player is sent a snapshot of everyone. No sockets here, so it is tested alone.
 *
 * <pre>
 *   input    (client → server)  u8 1 | u32 seq | u8 keys (1 up, 2 down, 4 left, 8 right) | u8 n | name (n bytes UTF-8)
 *   snapshot (server → client)  u8 2 | u32 tick | u16 yourId | u8 count | count × (u16 id | u16 x | u16 y | u8 n | name)
 * </pre>
 *
 * Big-endian. A snapshot of {@link #MAX_PLAYERS} players with the longest names is 744 bytes, so it always fits
 * one QUIC datagram (about 1150 bytes of payload) and needs no fragmentation.
 *
 * <p><b>Threading.</b> Not thread-safe: the server calls it from one event loop only.
 *
 * @param <K> how a player is known: the UDP address its inputs come from (the proxy's socket for that browser)
 */
final class Game<K> {
    static final int WIDTH = 640;
    static final int HEIGHT = 400;
    static final int SPEED = 6; // per tick: 120 pixels a second at 20 Hz
    static final int MAX_PLAYERS = 32;
    static final int MAX_NAME = 16;
    static final int TIMEOUT_TICKS = 100; // 5 s without input: the player left
    static final byte INPUT = 1;
    static final byte SNAPSHOT = 2;

    record Input(long seq, int keys, String name) {
    }

    static final class Player {
        final int id;
        final String name;
        int x = WIDTH / 2;
        int y = HEIGHT / 2;
        int keys;
        long seq = -1;
        long heard;

        Player(int id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private final Map<K, Player> players = new LinkedHashMap<>();
    private long tick;
    private int nextId = 1;

    /** A datagram read as an input, or null if it is not one (a game server ignores what it cannot read). */
    static Input decodeInput(ByteBuffer b) {
        try {
            if (b.get() != INPUT) {
                return null;
            }
            long seq = b.getInt() & 0xffffffffL;
            int keys = b.get() & 0x0f;
            int n = b.get() & 0xff;
            if (n == 0 || n > MAX_NAME || b.remaining() != n) {
                return null;
            }
            byte[] name = new byte[n];
            b.get(name);
            String s = new String(name, StandardCharsets.UTF_8);
            return s.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_') ? new Input(seq, keys, s) : null;
        } catch (BufferUnderflowException e) {
            return null;
        }
    }

    /** Takes an input: the first one from {@code from} joins (if there is room), older ones than seen are dropped. */
    void input(K from, Input in) {
        Player p = players.get(from);
        if (p == null) {
            if (players.size() >= MAX_PLAYERS) {
                return;
            }
            p = new Player(nextId++, in.name());
            players.put(from, p);
        } else if (in.seq() <= p.seq) {
            return; // UDP may reorder: an older input must not undo a newer one
        }
        p.seq = in.seq();
        p.keys = in.keys();
        p.heard = tick;
    }

    /** One step of the world: moves everyone by their keys, within bounds, and drops the silent. */
    void tick() {
        tick++;
        players.values().removeIf(p -> tick - p.heard > TIMEOUT_TICKS);
        for (Player p : players.values()) {
            int dx = ((p.keys & 8) != 0 ? 1 : 0) - ((p.keys & 4) != 0 ? 1 : 0);
            int dy = ((p.keys & 2) != 0 ? 1 : 0) - ((p.keys & 1) != 0 ? 1 : 0);
            p.x = Math.max(0, Math.min(WIDTH, p.x + dx * SPEED));
            p.y = Math.max(0, Math.min(HEIGHT, p.y + dy * SPEED));
        }
    }

    /** The snapshot for the player known as {@code to} (its id tells the page which dot is its own). */
    ByteBuffer snapshot(K to) {
        Player me = players.get(to);
        ByteBuffer b = ByteBuffer.allocate(8 + players.size() * (7 + MAX_NAME));
        b.put(SNAPSHOT).putInt((int) tick).putShort((short) (me == null ? 0 : me.id)).put((byte) players.size());
        for (Player p : players.values()) {
            byte[] name = p.name.getBytes(StandardCharsets.UTF_8);
            b.putShort((short) p.id).putShort((short) p.x).putShort((short) p.y).put((byte) name.length).put(name);
        }
        return b.flip();
    }

    Set<K> addresses() {
        return players.keySet();
    }

    Player player(K key) {
        return players.get(key);
    }
}
