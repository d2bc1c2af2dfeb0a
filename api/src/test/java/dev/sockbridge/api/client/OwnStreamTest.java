package dev.sockbridge.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Control;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.testing.ForwardingTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A socket on a stream of its own ({@link SockbridgeClient#useOwnStream}) and the unreliable send on a
 * transport without a datagram path, against the scripted peer over the in-process transport (which has
 * {@code DATAGRAMS}, at most 1200 bytes, and {@code STREAMS}).
 */
class OwnStreamTest {
    private static final long T = ScriptedPeer.TIMEOUT_SECONDS;
    @RegisterExtension
    final ScriptedPeer peer = new ScriptedPeer();

    private static <V> V value(CompletableFuture<V> f) throws Exception {
        return f.get(T, TimeUnit.SECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        return assertThrows(ExecutionException.class, () -> f.get(T, TimeUnit.SECONDS)).getCause();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void callsCreditAndPushEventsOfTheSocketTravelOnItsOwnStream() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            assertFalse(c.hasOwnStream(5));
            value(c.useOwnStream(5));
            assertTrue(c.hasOwnStream(5));
            Transport stream = peer.streams.poll(T, TimeUnit.SECONDS);
            assertTrue(stream != null, "the client opened a stream");
            value(c.useOwnStream(5)); // already there: no second stream
            assertTrue(peer.streams.isEmpty());

            // a call for fd 5 goes on its stream and is answered there
            CompletableFuture<Integer> sent = c.send(5, "hello".getBytes(StandardCharsets.US_ASCII));
            ScriptedPeer.OnStream q = peer.takeFromStream();
            assertSame(stream, q.stream());
            Request.Send send = assertInstanceOf(Request.Send.class, q.message());
            assertEquals("hello", send.data().toString(StandardCharsets.US_ASCII));
            Message.release(send);
            peer.sendOn(stream, new Reply.Value(send.callId(), 5));
            assertEquals(5, value(sent));

            // calls that name no socket, and other sockets' calls, stay on the main channel
            CompletableFuture<Integer> socket = c.socket(Posix.AF_INET, Posix.SOCK_STREAM, 0);
            Request.Socket sq = peer.take(Request.Socket.class);
            peer.send(new Reply.Value(sq.callId(), 6));
            assertEquals(6, value(socket));
            CompletableFuture<Void> other = c.listen(6, 5);
            peer.send(new Reply.Ok(peer.take(Request.Listen.class).callId()));
            value(other);

            // push: the request, the events and the credit all on the stream
            List<String> events = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> on = c.push(5, new PushListener() {
                @Override
                public void onData(int fd, ByteBuf data, InetSocketAddress from, int flags) {
                    events.add(fd + " " + data.toString(StandardCharsets.US_ASCII));
                }
            }, 10, CreditMode.AUTO);
            Request.Push push = assertInstanceOf(Request.Push.class, peer.takeFromStream().message());
            peer.sendOn(stream, new Reply.Ok(push.callId()));
            value(on);
            peer.sendOn(stream, new Event.Data(5, 0, null, ascii("abcdef")));
            ScriptedPeer.OnStream credit = peer.takeFromStream();
            assertSame(stream, credit.stream());
            assertEquals(new Control.Credit(5, 6), credit.message(), "AUTO credit goes back on the stream");
            assertEquals(List.of("5 abcdef"), events);
            c.grant(5, 100);
            assertEquals(new Control.Credit(5, 100), peer.takeFromStream().message());
            peer.expectNothing(50); // nothing of fd 5 on the main channel

            // close: on the stream, which ends once the proxy answered
            CompletableFuture<Void> closed = c.close(5);
            Request.Close cq = assertInstanceOf(Request.Close.class, peer.takeFromStream().message());
            assertTrue(peer.streamsClosed.isEmpty(), "the stream waits for the close's reply");
            peer.sendOn(stream, new Reply.Ok(cq.callId()));
            value(closed);
            assertTrue(peer.streamsClosed.poll(T, TimeUnit.SECONDS) != null, "the stream was closed");
            assertFalse(c.hasOwnStream(5));
            assertTrue(c.isOpen());
        }
    }

    @Test
    void aCallWaitingOnAStreamThatEndsFailsAndLaterCallsUseTheMainChannel() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            value(c.useOwnStream(7));
            Transport stream = peer.streams.poll(T, TimeUnit.SECONDS);
            CompletableFuture<Received> recv = c.recv(7, 100, 0);
            Message.release(peer.takeFromStream().message());
            stream.close(1011, "stream reset");
            Throwable t = failure(recv);
            assertInstanceOf(IOException.class, t);
            assertTrue(t.getMessage().contains("1011"), t.getMessage());
            assertFalse(c.hasOwnStream(7));
            assertTrue(c.isOpen(), "the session lives on");

            CompletableFuture<InetSocketAddress> name = c.getSockName(7);
            Request.GetSockName q = peer.take(Request.GetSockName.class);
            peer.send(new Reply.Address(q.callId(), new InetSocketAddress("127.0.0.1", 1234)));
            assertEquals(1234, value(name).getPort());
        }
    }

    @Test
    void repliesMayComeOnAnyStreamSinceCallIdsAreSessionWide() throws Exception {
        try (SockbridgeClient c = peer.connect()) {
            value(c.useOwnStream(8));
            value(c.useOwnStream(9));
            Transport s8 = peer.streams.poll(T, TimeUnit.SECONDS);
            Transport s9 = peer.streams.poll(T, TimeUnit.SECONDS);
            assertNotSame(s8, s9);
            CompletableFuture<Long> a = c.getSockOpt(8, Posix.SOL_SOCKET, 7);
            CompletableFuture<Long> b = c.getSockOpt(9, Posix.SOL_SOCKET, 7);
            ScriptedPeer.OnStream qa = peer.takeFromStream();
            ScriptedPeer.OnStream qb = peer.takeFromStream();
            // each came on its own socket's stream
            Request.GetSockOpt ga = (Request.GetSockOpt) qa.message();
            Request.GetSockOpt gb = (Request.GetSockOpt) qb.message();
            assertSame(ga.fd() == 8 ? s8 : s9, qa.stream());
            assertSame(gb.fd() == 8 ? s8 : s9, qb.stream());
            peer.sendOn(s9, new Reply.Value(ga.callId(), 1));
            peer.send(new Reply.Value(gb.callId(), 2));
            assertEquals(ga.fd() == 8 ? 1L : 2L, value(a));
            assertEquals(ga.fd() == 8 ? 2L : 1L, value(b));
        }
    }

    @Test
    void endingTheSessionClosesTheStreamsAndFailsTheirCalls() throws Exception {
        SockbridgeClient c = peer.connect();
        value(c.useOwnStream(5));
        peer.streams.poll(T, TimeUnit.SECONDS);
        CompletableFuture<Received> recv = c.recv(5, 10, 0);
        Message.release(peer.takeFromStream().message());
        c.close();
        assertInstanceOf(SessionClosedException.class, failure(recv));
        assertTrue(peer.streamsClosed.poll(T, TimeUnit.SECONDS) != null);
        assertInstanceOf(SessionClosedException.class, failure(c.useOwnStream(6)));
    }

    // ------------------------------------------------------------------ transports without extras

    @Test
    void withoutStreamsUseOwnStreamFailsAndCallsStayOnTheMainChannel() throws Exception {
        try (SockbridgeClient c = connectWithoutExtras()) {
            assertInstanceOf(UnsupportedOperationException.class, failure(c.useOwnStream(5)));
            assertFalse(c.hasOwnStream(5));
            CompletableFuture<Void> f = c.shutdown(5, Posix.SHUT_WR);
            peer.send(new Reply.Ok(peer.take(Request.Shutdown.class).callId()));
            value(f);
        }
    }

    @Test
    void withoutADatagramPathAnUnreliableSendIsAnOrdinarySendtoWhoseFailureIsCounted() throws Exception {
        try (SockbridgeClient c = connectWithoutExtras()) {
            byte[] big = new byte[5000]; // any size the frames allow
            assertTrue(c.sendToUnreliable(4, new InetSocketAddress("127.0.0.1", 9999), big));
            Request.SendTo s = peer.take(Request.SendTo.class);
            assertTrue(s.callId() > 0);
            assertEquals(5000, s.data().readableBytes());
            Message.release(s);
            assertTrue(peer.datagrams.isEmpty());
            peer.send(new Reply.Error(s.callId(), Errno.EMSGSIZE, "too big"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(T);
            while (c.stats().datagramsDropped() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, c.stats().datagramsDropped(), "the failure is counted, not reported");
            assertEquals(0, c.stats().datagramsSent());
        }
    }

    /** The in-process transport, presented as one with neither datagrams nor streams (like WebSocket). */
    private SockbridgeClient connectWithoutExtras() throws Exception {
        Transport inner = Transports.forUri(peer.uri).connect(peer.uri, TransportOptions.defaults()).get(T, TimeUnit.SECONDS);
        return SockbridgeClient.connect(new FramesOnly(inner)).get(T, TimeUnit.SECONDS);
    }

    /** The in-process transport without its extras: frames only, as a plain WebSocket. */
    private static final class FramesOnly extends ForwardingTransport {
        FramesOnly(Transport t) {
            super(t);
        }

        @Override
        public Set<Capability> capabilities() {
            return Set.of();
        }

        @Override
        public String scheme() {
            return "frames-only";
        }
    }
}
