package dev.sockbridge.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sockbridge.api.testing.EchoServer;
import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.api.transport.TransportOptions;
import dev.sockbridge.api.transport.Transports;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import dev.sockbridge.proxy.spi.ReadGate;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.proxy.spi.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A front end written against the public SPI only (a websockify-like TCP bridge: the first frame names the target,
 * then frames are the connection's bytes, and a frame of one NUL byte ends the client's sending), served by a real proxy over the in-process transport to a real loopback
 * echo server: the bridge's whole life is ordinary calls (socket, connect by name, push-mode receive, send,
 * shutdown), under the proxy's policy, and the proxy drains afterwards.
 */
@Timeout(60)
class FrontEndSpiTest extends EngineTestBase {
    EchoServer echo;

    @AfterEach
    void closeEcho() throws Exception {
        if (echo != null) {
            echo.close();
        }
    }

    /** The bridge: confined to the session's loop, as the SPI asks. */
    static final class Bridge implements FrontEnd, TransportListener, Route {
        static final FrontEndFactory FACTORY = FrontEndFactory.of("test-bridge", Bridge::new);

        private final EngineSession session;
        private final Transport client;
        private final ReadGate gate;
        private InetSocketAddress target;
        private int fd = -1;
        private int ids;
        private boolean ended;
        /** What the client sent before the target was connected: sent once it is (a real bridge bounds this). */
        private final java.util.ArrayDeque<ByteBuf> early = new java.util.ArrayDeque<>();
        private boolean connected;

        Bridge(EngineSession session, Transport client) {
            this.session = session;
            this.client = client;
            this.gate = new ReadGate(client);
        }

        @Override
        public void start() {
            session.countHeldBytes(client);
            client.start(this);
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            gate.handOver(frame, session.loop(), this::frame);
        }

        private void frame(ByteBuf f) {
            if (ended) {
                f.release();
                return;
            }
            if (target == null) {
                String[] hp = f.toString(StandardCharsets.US_ASCII).split(":");
                f.release();
                target = InetSocketAddress.createUnresolved(hp[0], Integer.parseInt(hp[1]));
                session.submit(new Call(new Request.Socket(++ids, Posix.AF_INET6, Posix.SOCK_STREAM, 0), this));
            } else if (!connected) {
                early.add(f);
            } else if (f.readableBytes() == 1 && f.getByte(f.readerIndex()) == 0) {
                // one NUL byte: the client is done sending
                f.release();
                session.submit(new Call(new Request.Shutdown(++ids, fd, Posix.SHUT_WR), this));
            } else {
                session.submit(new Call(new Request.Send(++ids, fd, 0, f), this));
            }
        }

        @Override
        public void completed(Call call, Result r) {
            if (r instanceof Result.Error) {
                Result.Error e = (Result.Error) r;
                close(e.errno() == Errno.EACCES ? 1008 : 1011, e.reason());
                return;
            }
            switch (call.request().messageType()) {
                case SOCKET:
                    fd = (int) ((Result.Value) r).value();
                    session.submit(new Call(new Request.Connect(++ids, fd, target), this));
                    return;
                case CONNECT:
                    connected = true;
                    session.submit(new Call(new Request.Push(++ids, fd, true, 1 << 20), this));
                    ByteBuf b;
                    while ((b = early.poll()) != null) {
                        frame(b);
                    }
                    return;
                default:
                    Result.release(r);
            }
        }

        @Override
        public boolean isWritable() {
            return client.isWritable();
        }

        @Override
        public boolean pushed(Event e, boolean datagram) {
            if (e instanceof Event.Data) {
                ByteBuf data = ((Event.Data) e).data();
                int n = data.readableBytes();
                client.send(data);
                gate.sent();
                session.credit(fd, n);
            } else {
                Event.Ready r = (Event.Ready) e;
                // end of stream (or an error): release the socket, from inside the event, and end
                session.submit(new Call(new Request.Close(++ids, fd), Route.DISCARD));
                close(r.errno() == 0 ? 1000 : 1011, r.errno() == 0 ? "target closed" : Errno.nameOf(r.errno()));
            }
            return false;
        }

        @Override
        public void writabilityChanged(boolean writable) {
            session.execute(() -> {
                gate.writabilityChanged();
                session.writabilityChanged();
            });
        }

        @Override
        public void closed(int code, String reason) {
            session.execute(() -> {
                ended = true;
                early.forEach(ByteBuf::release);
                early.clear();
                session.close(code, reason);
            });
        }

        @Override
        public void close(int code, String reason) {
            early.forEach(ByteBuf::release);
            early.clear();
            if (!ended) {
                ended = true;
                client.close(code, reason);
                session.close(code, reason);
            }
        }
    }

    /** A client of the bridge: frames in, the close code out. */
    static final class Client implements TransportListener {
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final Transport t;

        Client(URI uri) throws Exception {
            t = Transports.forUri(uri).connect(uri, TransportOptions.defaults()).get(20, TimeUnit.SECONDS);
            t.start(this);
        }

        void send(String s) {
            t.send(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII));
        }

        @Override
        public void frameReceived(ByteBuf frame) {
            frames.add(frame.toString(StandardCharsets.US_ASCII));
            frame.release();
        }

        @Override
        public void closed(int code, String reason) {
            closed.complete(code);
        }
    }

    private URI serveBridge() throws Exception {
        URI name = URI.create("inprocess://spi-bridge-" + System.nanoTime());
        return proxy.serve(Transports.forUri(name).newServer(name, TransportOptions.defaults()), Bridge.FACTORY)
                .get(5, TimeUnit.SECONDS);
    }

    @Test
    void aFrontEndOnTheSpiBridgesToANativeConnectionByName() throws Exception {
        startProxy(SockbridgeProxy.builder());
        echo = EchoServer.start();
        Client c = new Client(serveBridge());
        c.send("localhost:" + echo.tcpAddress().getPort());
        c.send("ping");
        StringBuilder got = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (got.length() < 4 && System.nanoTime() < deadline) {
            String f = c.frames.poll(1, TimeUnit.SECONDS);
            if (f != null) {
                got.append(f);
            }
        }
        assertEquals("ping", got.toString());
        assertTrue(proxy.stats().bytesToNative() >= 4, proxy.stats().toString());
        // the client is done: the echo server sees EOF, ends its side, and the bridge closes with 1000
        c.t.send(Unpooled.wrappedBuffer(new byte[] {0}));
        assertEquals(1000, c.closed.get(20, TimeUnit.SECONDS));
    }

    @Test
    void theProxysPolicyDecidesTheBridgesTarget() throws Exception {
        startProxy(SockbridgeProxy.builder());
        Client c = new Client(serveBridge());
        c.send("192.0.2.1:80");
        assertEquals(1008, c.closed.get(20, TimeUnit.SECONDS));
        assertEquals(1, proxy.stats().callsDenied(), proxy.stats().toString());
    }
}
