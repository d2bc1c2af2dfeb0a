package dev.sockbridge.transport.webtransport;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.transport.webtransport.internal.Capsules;
import dev.sockbridge.transport.webtransport.internal.Varint;
import dev.sockbridge.transport.webtransport.internal.WebTransportProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bytes a WebTransport session holds on its CONNECT stream (a capsule that arrived in part) are counted in
 * the held bytes of the session's transport, as every transport counts its buffers, and are bounded: a client
 * that stops in the middle of the largest capsule the server reads whole is seen holding exactly what it sent of
 * it, a huge capsule of an unknown type is skipped without holding anything, and the session still ends cleanly.
 */
@Timeout(60)
class CapsuleHeldBytesTest {
    private static final String ORIGIN = "https://app.example";

    @Test
    void aCapsuleReceivedInPartIsCountedAndBoundedAndTheSessionEndsCleanly() throws Exception {
        QuicServerTransport server = (QuicServerTransport) new QuicTransportProvider().newServer(
                URI.create("webtransport://127.0.0.1:0/sockbridge"),
                TransportOptions.defaults().with(QuicTransportOptions.ALLOWED_ORIGINS, ORIGIN));
        CompletableFuture<Transport> created = new CompletableFuture<>();
        server.start(created::complete).get(10, SECONDS);
        AtomicLong held = new AtomicLong();
        try (H3TestClient client = new H3TestClient(server.localAddress(), server.certificate().sha256())) {
            H3TestClient.Request r = client.connect("/sockbridge", ORIGIN);
            assertEquals("200", r.status());
            client.openWtBidi(r.id(), new ChannelInboundHandlerAdapter(), new byte[0], false); // the main channel
            Transport main = created.get(10, SECONDS);
            CompletableFuture<Integer> closedWith = new CompletableFuture<>();
            main.start(new TransportListener() {
                @Override
                public void frameReceived(ByteBuf frame) {
                    frame.release();
                }

                @Override
                public void closed(int code, String reason) {
                    closedWith.complete(code);
                }
            });
            main.countHeldBytes(held::addAndGet);

            // an unknown capsule of 4 MiB, in DATA frames of up to 1 MiB: skipped as it comes, nothing held
            int unknownLength = 4 << 20;
            ByteBuf header = Unpooled.buffer();
            Varint.write(header, 0x17);
            Varint.write(header, unknownLength);
            r.sendCapsules(header, false);
            for (int left = unknownLength; left > 0; left -= 1 << 20) {
                r.sendCapsules(Unpooled.wrappedBuffer(new byte[Math.min(left, 1 << 20)]), false);
            }
            // then the longest capsule the server reads whole (a close capsule with the longest reason), in part
            ByteBuf close = Unpooled.buffer();
            Varint.write(close, WebTransportProtocol.CAPSULE_CLOSE_SESSION);
            Varint.write(close, 4 + WebTransportProtocol.MAX_CLOSE_REASON_BYTES);
            close.writeInt(7).writeBytes(new byte[500]);
            int partial = close.readableBytes();
            r.sendCapsules(close, false);

            long deadline = System.nanoTime() + SECONDS.toNanos(30);
            while (held.get() < partial && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(partial, held.get(), "the session's held bytes are the part of the capsule it holds");
            assertTrue(partial <= Capsules.MAX_HELD_BYTES);

            // the client ends the CONNECT stream inside the capsule: the session ends, nothing is held any more
            r.sendCapsules(Unpooled.EMPTY_BUFFER, true);
            closedWith.get(10, SECONDS);
            r.fin.get(10, SECONDS);
            assertEquals(0, held.get());
        } finally {
            server.shutdownNow().get(10, SECONDS);
        }
    }
}
