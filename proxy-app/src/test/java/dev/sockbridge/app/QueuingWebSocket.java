package dev.sockbridge.app;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client for tests that queues what it receives, in order: whole binary messages as {@code byte[]},
 * whole text messages as {@code String}, then {@code "closed CODE REASON"}.
 */
final class QueuingWebSocket implements WebSocket.Listener {
    final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final StringBuilder text = new StringBuilder();

    /** Opens a WebSocket to {@code uri} offering {@code subprotocols} (none: no header), delivering to {@code c}. */
    static WebSocket open(HttpClient http, URI uri, QueuingWebSocket c, String... subprotocols) throws Exception {
        WebSocket.Builder b = http.newWebSocketBuilder();
        if (subprotocols.length > 0) {
            b.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        return b.buildAsync(uri, c).get(20, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        byte[] b = new byte[data.remaining()];
        data.get(b);
        partial.writeBytes(b);
        if (last) {
            in.add(partial.toByteArray());
            partial.reset();
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            in.add(text.toString());
            text.setLength(0);
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
        in.add("closed " + code + " " + reason);
        return null;
    }

    /** The next thing received; fails after 20 s of nothing. */
    Object next() throws InterruptedException {
        Object o = in.poll(20, TimeUnit.SECONDS);
        if (o == null) {
            throw new AssertionError("nothing received within 20 s");
        }
        return o;
    }
}
