package dev.sockbridge.samples.frontend;

import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import dev.sockbridge.proxy.spi.ReadGate;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.proxy.spi.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A wire protocol of your own on Sockbridge's front-end SPI: one line of text per frame, one TCP connection per
 * session. The engine does the rest (policy, limits, name lookups, backpressure, stats), exactly as for the
 * Sockbridge and Emscripten protocols.
 *
 * <pre>
 *   client → proxy   CONNECT host port | SEND text | CLOSE
 *   proxy → client   OK [value] | ERR errno reason | DATA text | EOF
 * </pre>
 *
 * Each command gets one {@code OK} or {@code ERR} line (Linux errno); the target's bytes come as {@code DATA} lines
 * (one per read), its end of stream as {@code EOF}. Serve it with {@code proxy.serve(server, LineFrontEnd.FACTORY)}
 * or {@code proxy.attach(transport, LineFrontEnd.FACTORY)}. All but start() runs on the session's event loop.
 */
public final class LineFrontEnd implements FrontEnd, TransportListener, Route {
    public static final FrontEndFactory FACTORY = FrontEndFactory.of("lines", LineFrontEnd::new);

    /** Push credit: the most one DATA line carries; given back as each line is sent. */
    private static final int WINDOW = 16 << 10;

    private final EngineSession session;
    private final Transport transport;
    private final ReadGate gate;
    private int ids;
    private int fd = -1;
    private InetSocketAddress target;
    private boolean ended;

    private LineFrontEnd(EngineSession session, Transport transport) { // one per session
        this.session = session;
        this.transport = transport;
        this.gate = new ReadGate(transport);
    }

    @Override
    public void start() {
        session.countHeldBytes(transport);
        transport.start(this);
    }

    @Override
    public void frameReceived(ByteBuf frame) {
        gate.handOver(frame, session.loop(), f -> {
            String line = f.toString(StandardCharsets.UTF_8).strip();
            f.release();
            if (!ended) {
                command(line);
            }
        });
    }

    private void command(String line) {
        String[] w = line.split(" ", 3);
        switch (w[0]) {
            case "CONNECT":
                if (fd >= 0 || target != null) {
                    err(Errno.EISCONN, "already connected");
                } else if (w.length != 3 || !w[2].matches("[0-9]{1,5}")) {
                    err(Errno.EINVAL, "usage: CONNECT host port");
                } else {
                    // a name is resolved by the engine, under the policy's lookup rules
                    target = InetSocketAddress.createUnresolved(w[1], Integer.parseInt(w[2]));
                    submit(new Request.Socket(++ids, Posix.AF_INET6, Posix.SOCK_STREAM, 0));
                }
                return;
            case "SEND":
                if (fd < 0) {
                    err(Errno.ENOTCONN, "not connected");
                    return;
                }
                String text = line.length() > 5 ? line.substring(5) + "\n" : "\n";
                submit(new Request.Send(++ids, fd, 0, ByteBufUtil.writeUtf8(transport.alloc(), text)));
                return;
            case "CLOSE":
                if (fd < 0) {
                    err(Errno.ENOTCONN, "not connected");
                    return;
                }
                submit(new Request.Close(++ids, fd));
                fd = -1;
                target = null;
                return;
            default:
                err(Errno.EINVAL, "unknown command: " + w[0]);
        }
    }

    private void submit(Request r) { session.submit(new Call(r, this)); }

    @Override
    public void completed(Call call, Result r) {
        Request q = call.request();
        if (r instanceof Result.Error) {
            Result.Error e = (Result.Error) r;
            reply("ERR " + e.code() + " " + e.reason());
            if (q instanceof Request.Socket || q instanceof Request.Connect) {
                if (fd >= 0) {
                    session.submit(new Call(new Request.Close(++ids, fd), Route.DISCARD));
                }
                fd = -1;
                target = null;
            }
            return;
        }
        if (q instanceof Request.Socket) {
            fd = (int) ((Result.Value) r).value();
            submit(new Request.Connect(++ids, fd, target));
        } else if (q instanceof Request.Connect) {
            // data comes as events from now on, at most WINDOW bytes until we give the credit back
            submit(new Request.Push(++ids, fd, true, WINDOW));
        } else if (q instanceof Request.Push) {
            reply("OK connected");
        } else if (q instanceof Request.Send) {
            reply("OK " + ((Result.Value) r).value());
        } else {
            reply("OK");
        }
        Result.release(r);
    }

    @Override
    public boolean pushed(Event e, boolean datagram) {
        if (e instanceof Event.Data) {
            ByteBuf data = ((Event.Data) e).data();
            int n = data.readableBytes();
            reply("DATA " + data.toString(StandardCharsets.UTF_8).stripTrailing());
            data.release();
            session.credit(e.fd(), Math.max(1, n));
        } else if (e instanceof Event.Ready && ((Event.Ready) e).errno() != 0) {
            reply("ERR " + ((Event.Ready) e).errno() + " " + Errno.nameOf(((Event.Ready) e).errno()));
        } else if (e instanceof Event.Ready && (((Event.Ready) e).events() & Posix.POLLRDHUP) != 0) {
            reply("EOF");
        }
        return false;
    }

    private void err(Errno e, String reason) { reply("ERR " + e.code() + " " + reason); }

    private void reply(String line) {
        if (!ended) {
            transport.send(ByteBufUtil.writeUtf8(transport.alloc(), line));
            gate.sent(); // a client that does not read its answers stops being read
        }
    }

    @Override
    public boolean isWritable() { return transport.isWritable(); }

    @Override
    public void writabilityChanged(boolean writable) {
        session.execute(() -> {
            gate.writabilityChanged();
            session.writabilityChanged(); // resumes the DATA the engine held while we could not send
        });
    }

    @Override
    public void closed(int code, String reason) { session.execute(() -> close(code, reason)); }

    @Override
    public void close(int code, String reason) {
        if (!ended) {
            ended = true;
            transport.close(code, reason);
            session.close(code, reason); // closes the target's socket after the data already sent
        }
    }
}
