package dev.sockbridge.transport.webtransport;

import dev.sockbridge.transport.webtransport.internal.RawQuicServer;
import dev.sockbridge.transport.webtransport.internal.RawQuicClient;
import dev.sockbridge.transport.webtransport.internal.WebTransportSession;
import dev.sockbridge.transport.webtransport.internal.WebTransportSessionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class RawQuicEchoTest {
    private static final int DATAGRAMS = 500;
    private static final byte[] UNI_BYTES = "uni stream payload ".repeat(1000).getBytes(StandardCharsets.UTF_8);

    /** The client side: collects server-opened uni streams and echoed datagrams. */
    private static final class ClientHandler implements WebTransportSessionHandler {
        final CompletableFuture<byte[]> uniFromServer = new CompletableFuture<>();
        final Set<Integer> echoedSeq = ConcurrentHashMap.newKeySet();
        /** Sequence numbers of intact echoes, in the order they came. */
        final BlockingQueue<Integer> arrivals = new LinkedBlockingQueue<>();
        final AtomicInteger corrupt = new AtomicInteger();
        final CompletableFuture<WebTransportSession.CloseInfo> closed = new CompletableFuture<>();

        @Override
        public void streamOpened(WebTransportSession session, QuicStreamChannel stream, boolean bidirectional) {
            stream.pipeline().addLast(new EchoSessionHandler.Collector(UNI_BYTES.length, uniFromServer::complete));
        }

        @Override
        public void datagramReceived(WebTransportSession session, ByteBuf payload) {
            int seq = payload.readInt();
            boolean ok = true;
            while (payload.isReadable()) {
                ok &= payload.readByte() == (byte) seq;
            }
            if (!ok) {
                corrupt.incrementAndGet();
            } else {
                echoedSeq.add(seq);
                arrivals.add(seq);
            }
        }

        @Override
        public void sessionClosed(WebTransportSession session, int code, String reason) {
            closed.complete(new WebTransportSession.CloseInfo(code, reason, true));
        }
    }

    @Test
    void streamsDatagramsAndCloseOverRawQuic() throws Exception {
        EchoSessionHandler serverHandler = new EchoSessionHandler(false);
        ClientHandler clientHandler = new ClientHandler();
        try (RawQuicServer server = RawQuicServer.builder().handler(serverHandler).start();
             RawQuicClient client = RawQuicClient.builder()
                     .pinCertificateSha256(server.certificate().sha256()).build()) {
            assertTrue(server.localAddress().getAddress().isLoopbackAddress());
            WebTransportSession session = client.connect(server.localAddress(), clientHandler).get(10, SECONDS);
            assertEquals(RawQuicServer.DEFAULT_ALPN, session.path());

            // 1 MiB on a client-opened bidi stream, echoed byte-exact
            byte[] data = new byte[1 << 20];
            new Random(42).nextBytes(data);
            CompletableFuture<byte[]> echoed = new CompletableFuture<>();
            QuicStreamChannel bidi = session.openBidiStream(new EchoSessionHandler.Collector(data.length, echoed::complete))
                    .get(5, SECONDS);
            for (int off = 0; off < data.length; off += 64 << 10) {
                bidi.write(Unpooled.wrappedBuffer(data, off, Math.min(64 << 10, data.length - off)));
            }
            bidi.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            assertArrayEquals(data, echoed.get(30, SECONDS));

            // uni stream each way: ours to the server, the server's answer back on a server-opened uni stream
            // (data and FIN in one frame: see EchoSessionHandler.Collector for a FIN sent alone)
            QuicStreamChannel uni = session.openUniStream(new ChannelInboundHandlerAdapter()).get(5, SECONDS);
            uni.writeAndFlush(new DefaultQuicStreamFrame(Unpooled.wrappedBuffer(UNI_BYTES), true));
            assertArrayEquals(UNI_BYTES, clientHandler.uniFromServer.get(10, SECONDS));

            // datagrams: each carries its sequence number and a fill byte; every one must come back intact. They
            // go one at a time, each sent again if its echo has not come within 2 s (datagrams are unreliable: a
            // burst overflowed quiche's queues on a loaded machine, so how many of a burst came back said nothing)
            int max = session.maxDatagramSize();
            assertTrue(max >= 1000, "max datagram size " + max);
            int sends = 0;
            for (int seq = 0; seq < DATAGRAMS; seq++) {
                for (int attempt = 0; !clientHandler.echoedSeq.contains(seq); attempt++) {
                    assertTrue(attempt < 5, "datagram " + seq + " not echoed after 5 sends (the server received "
                            + serverHandler.datagrams.get() + ", the client dropped " + session.datagramsDropped() + ")");
                    ByteBuf d = Unpooled.buffer(1000).writeInt(seq);
                    while (d.writableBytes() > 0) {
                        d.writeByte(seq);
                    }
                    assertTrue(session.sendDatagram(d));
                    sends++;
                    // until its echo, or 2 s of none; late echoes of earlier ones pass by
                    for (Integer got; (got = clientHandler.arrivals.poll(2, SECONDS)) != null && got != seq; ) {
                        // an earlier datagram's second echo
                    }
                }
            }
            assertEquals(0, clientHandler.corrupt.get());
            assertEquals(DATAGRAMS, clientHandler.echoedSeq.size());
            System.out.printf("%d datagrams echoed intact, %d sends%n", DATAGRAMS, sends);
            long droppedBefore = session.datagramsDropped();
            assertFalse(session.sendDatagram(Unpooled.wrappedBuffer(new byte[max + 1])), "oversize datagram sent");
            assertEquals(droppedBefore + 1, session.datagramsDropped());

            // close with code and reason: the server sees both
            session.close(42, "bye from client");
            WebTransportSession.CloseInfo serverSaw = serverHandler.firstClose.get(10, SECONDS);
            assertEquals(42, serverSaw.code());
            assertEquals("bye from client", serverSaw.reason());
            WebTransportSession.CloseInfo local = session.closeFuture().toCompletableFuture().get(5, SECONDS);
            assertFalse(local.byPeer());
            assertFalse(session.isOpen());
            assertFalse(session.sendDatagram(Unpooled.wrappedBuffer(new byte[1])), "datagram after close");
        }
    }

    @Test
    void serverCloseReachesClientWithCodeAndReason() throws Exception {
        EchoSessionHandler serverHandler = new EchoSessionHandler(false);
        ClientHandler clientHandler = new ClientHandler();
        try (RawQuicServer server = RawQuicServer.builder().handler(serverHandler).start();
             RawQuicClient client = RawQuicClient.builder()
                     .pinCertificateSha256(server.certificate().sha256()).build()) {
            client.connect(server.localAddress(), clientHandler).get(10, SECONDS);
            WebTransportSession serverSession = serverHandler.firstOpened.get(10, SECONDS);
            serverSession.close(7, "server says bye");
            WebTransportSession.CloseInfo clientSaw = clientHandler.closed.get(10, SECONDS);
            assertEquals(7, clientSaw.code());
            assertEquals("server says bye", clientSaw.reason());
        }
    }
}
