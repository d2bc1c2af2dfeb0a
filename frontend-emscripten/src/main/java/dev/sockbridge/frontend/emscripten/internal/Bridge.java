package dev.sockbridge.frontend.emscripten.internal;

import dev.sockbridge.api.transport.CloseCode;
import dev.sockbridge.api.Errno;
import dev.sockbridge.api.Posix;
import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Request;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportListener;
import dev.sockbridge.frontend.emscripten.BridgeTargets;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEnd;
import dev.sockbridge.proxy.spi.ReadGate;
import dev.sockbridge.proxy.spi.Result;
import dev.sockbridge.proxy.spi.Route;
import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket bridged to one engine socket (SOCKFS mode): the WebSocket payload is the socket's data, no call
 * protocol. The bridge is a front end that makes ordinary calls on the session's engine, so the policy, limits,
 * name resolution, backpressure, stats and closing come from the one place every front end uses:
 *
 * <pre>
 *  start:    socket(family, STREAM|DGRAM) ─▶ connect(target) ─▶ push(fd, credit {@link #WINDOW})
 *  message:  WebSocket frame ─▶ send(fd, frame)            (UDP: fire-and-forget, one datagram each)
 *  pushed:   Event.Data ─▶ WebSocket message, credit given back; end of stream ─▶ close 1000; error ─▶ 1011
 *  closed:   the client's data delivered, then the session (and its socket, after a flush) closed
 * </pre>
 *
 * <p><b>Backpressure.</b> Client to target: a frame counts as not handled in the {@link ReadGate} until its send
 * completes (frames that came before the target connected too), so the WebSocket is not read while more than
 * {@link ReadGate#MAX_HANDED_OVER} bytes wait, and the engine holds a send while the target does not read. Target
 * to client: the engine pushes only while the WebSocket {@linkplain #isWritable() is writable} and resumes on its
 * writability callback; at most {@link #WINDOW} bytes per message.
 *
 * <p>Confined to the session's loop after {@link #start}. Close codes are the api's {@link dev.sockbridge.api.transport.CloseCode}.
 */
public abstract class Bridge implements FrontEnd, TransportListener, Route {
    /** Push credit, and so the most one WebSocket message carries (the size programs pass to recv, websockify's). */
    static final int WINDOW = 64 << 10;
    /** How long a bridge may outlive its WebSocket to hand the target what the client sent before closing. */
    static final long DRAIN_SECONDS = 10;

    final EngineSession session;
    final Transport ws;
    final BridgeTargets.Target target;
    final ReadGate gate;
    private int ids;
    /** The engine socket, once made; -1 before. */
    int fd = -1;
    private boolean connected;
    private boolean ended;
    /** The client closed the WebSocket: what it sent still goes to the target, then the bridge ends. */
    private boolean draining;
    private int drainCode;
    private String drainReason;
    private ScheduledFuture<?> drainTimer;
    /** Frames that came before the target was connected, counted in the session's buffered bytes. */
    private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();
    /** TCP sends submitted and not completed. */
    private int sendsInFlight;

    /** A TCP send: the bytes it keeps counted in the read gate until the engine completes it. */
    private static final class Send extends Call {
        final int bytes;

        Send(Request request, Route route, int bytes) {
            super(request, route);
            this.bytes = bytes;
        }
    }

    Bridge(EngineSession session, Transport ws, BridgeTargets.Target target) {
        this.session = session;
        this.ws = ws;
        this.target = target;
        this.gate = new ReadGate(ws);
    }

    /** Socket type of the engine socket. */
    abstract int socketType();

    /** Hands one client message to the target (takes ownership); the socket is connected. */
    abstract void toTarget(ByteBuf data);

    @Override
    public void start() {
        session.countHeldBytes(ws);
        ws.start(this);
        session.execute(this::open);
    }

    public BridgeTargets.Target target() {
        return target;
    }

    int nextId() {
        int id = ++ids;
        if (id <= 0) {
            ids = 1;
            id = 1;
        }
        return id;
    }

    private void open() {
        if (!ended) {
            session.submit(new Call(new Request.Socket(nextId(), domain(target, socketType() == Posix.SOCK_DGRAM), socketType(), 0), this));
        }
    }

    /**
     * The socket's family: the literal's, and for a name AF_INET6 for TCP (it reaches IPv4 addresses too) but
     * AF_INET for UDP, whose AF_INET6 socket the engine binds to ::1 before connecting, which no IPv4 peer reaches.
     */
    static int domain(BridgeTargets.Target t, boolean udp) {
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(t.host());
        if (numeric != null) {
            return numeric.length == 4 ? Posix.AF_INET : Posix.AF_INET6;
        }
        return udp ? Posix.AF_INET : Posix.AF_INET6;
    }

    /** A numeric host as an address (no lookup); a name left unresolved, for the engine to resolve under the policy. */
    static InetSocketAddress address(BridgeTargets.Target t) {
        byte[] numeric = NetUtil.createByteArrayFromIpAddressString(t.host());
        if (numeric == null) {
            return InetSocketAddress.createUnresolved(t.host(), t.port());
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(numeric), t.port());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ the engine's answers

    @Override
    public void completed(Call call, Result r) {
        try {
            Request q = call.request();
            if (call instanceof Send) {
                sendsInFlight--;
                gate.handled(((Send) call).bytes);
                if (r instanceof Result.Error && !ended) {
                    end(CloseCode.INTERNAL_ERROR.code(), "target connection failed: " + ((Result.Error) r).reason());
                    return;
                }
                finishDrain();
                return;
            }
            if (ended) {
                return;
            }
            switch (q.messageType()) {
                case SOCKET:
                    if (r instanceof Result.Error) {
                        end(CloseCode.INTERNAL_ERROR.code(), "cannot open a socket: " + ((Result.Error) r).reason());
                        return;
                    }
                    fd = (int) ((Result.Value) r).value();
                    session.submit(new Call(new Request.Connect(nextId(), fd, address(target)), this));
                    return;
                case CONNECT:
                    if (r instanceof Result.Error) {
                        Result.Error e = (Result.Error) r;
                        end(e.code() == Errno.EACCES.code() ? CloseCode.POLICY_VIOLATION.code() : CloseCode.INTERNAL_ERROR.code(),
                                e.code() == Errno.EACCES.code() ? e.reason() : "cannot connect to " + target + ": " + e.reason());
                        return;
                    }
                    connected = true;
                    session.submit(new Call(new Request.Push(nextId(), fd, true, WINDOW), this));
                    ByteBuf b;
                    while (!ended && (b = early.poll()) != null) {
                        int n = b.readableBytes();
                        session.addBuffered(-n);
                        gate.handled(n);
                        toTarget(b);
                    }
                    finishDrain();
                    return;
                default:
                    return;
            }
        } finally {
            Result.release(r);
        }
    }

    /** Submits a TCP send, counted in the read gate until it completes. */
    void send(ByteBuf data) {
        int n = data.readableBytes();
        sendsInFlight++;
        gate.handedOver(n);
        session.submit(new Send(new Request.Send(nextId(), fd, 0, data), this, n));
    }

    @Override
    public boolean isWritable() {
        return ws.isWritable();
    }

    @Override
    public boolean pushed(Event e, boolean datagram) {
        if (ended) {
            Message.release(e);
            return false;
        }
        if (e instanceof Event.Data) {
            ByteBuf data = ((Event.Data) e).data();
            int n = data.readableBytes();
            if (n > 0) {
                ws.send(data); // SOCKFS ignores empty messages: none is ever sent
            } else {
                data.release();
            }
            session.credit(fd, Math.max(1, n));
        } else if (e instanceof Event.Ready) {
            ready((Event.Ready) e);
        } else {
            Message.release(e);
        }
        return false;
    }

    /** A readiness change of the target's socket: end of stream or an error. */
    abstract void ready(Event.Ready r);

    // ------------------------------------------------------------------ WebSocket side

    @Override
    public void frameReceived(ByteBuf frame) {
        gate.handOver(frame, session.loop(), this::frame);
    }

    private void frame(ByteBuf f) {
        if (ended || draining) {
            f.release();
            return;
        }
        if (connected) {
            toTarget(f);
            return;
        }
        int n = f.readableBytes();
        if (!session.bufferRoom(n)) {
            f.release();
            end(CloseCode.TOO_BIG.code(), "too much data before the target connected");
            return;
        }
        session.addBuffered(n);
        gate.handedOver(n); // not handled until it went to the target: reading pauses past the gate's bound
        early.add(f);
    }

    @Override
    public void writabilityChanged(boolean writable) {
        session.execute(session::writabilityChanged);
    }

    @Override
    public void closed(int code, String reason) {
        session.execute(() -> {
            if (ended || draining) {
                return;
            }
            draining = true;
            drainCode = code;
            drainReason = "WebSocket closed: " + reason;
            if (!finishDrain()) {
                // a target that never takes the data does not keep the bridge forever
                drainTimer = session.loop().schedule(() -> end(drainCode, drainReason), DRAIN_SECONDS, TimeUnit.SECONDS);
            }
        });
    }

    /** Ends a draining bridge once the client's data went to the target (or cannot). True if it ended. */
    private boolean finishDrain() {
        if (!draining || ended) {
            return ended;
        }
        if (sendsInFlight == 0 && early.isEmpty()) {
            end(drainCode, drainReason);
            return true;
        }
        return false;
    }

    // ------------------------------------------------------------------ end

    /**
     * Ends the bridge once: closes the WebSocket with {@code code} (after the messages already sent) and the engine
     * session, which closes the target's socket after the data already written.
     */
    void end(int code, String reason) {
        if (ended) {
            return;
        }
        ended = true;
        if (drainTimer != null) {
            drainTimer.cancel(false);
        }
        ByteBuf b;
        while ((b = early.poll()) != null) {
            int n = b.readableBytes();
            session.addBuffered(-n);
            gate.handled(n);
            b.release();
        }
        ws.close(code, reason);
        session.close(code, reason);
    }

    @Override
    public void close(int code, String reason) {
        end(code, reason);
    }
}
