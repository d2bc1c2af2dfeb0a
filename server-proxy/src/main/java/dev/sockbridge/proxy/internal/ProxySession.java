package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.message.Event;
import dev.sockbridge.api.message.Message;
import dev.sockbridge.api.message.Reply;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.SessionLimits;
import dev.sockbridge.proxy.SocketPolicy;
import dev.sockbridge.proxy.spi.Call;
import dev.sockbridge.proxy.spi.EngineSession;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import io.netty.channel.EventLoop;

/**
 * One session served through the front-end SPI: the engine side ({@link SessionCore}) that its
 * {@link dev.sockbridge.proxy.spi.FrontEnd} drives, and what the proxy holds to end it. The proxy closes it with
 * {@link #close}, which reaches the front end on the session's loop.
 */
public final class ProxySession implements EngineSession, SessionOutput, FrontEnd {
    private final ProxyContext ctx;
    private final Transport transport;
    private final SessionCore core;
    private final dev.sockbridge.proxy.spi.FrontEnd frontEnd;

    /** A session of {@code factory}'s protocol on {@code transport}, under {@code ticket}'s grant (null: the proxy's own). */
    public ProxySession(ProxyContext ctx, Transport transport, AdmissionTicket ticket, FrontEndFactory factory) {
        this.ctx = ctx;
        this.transport = transport;
        EventLoop loop = ctx.loopFor(transport.executor());
        SessionInfo info = new SessionInfo(ctx.newSessionId(), transport.remoteAddress(), transport.scheme(),
                factory.protocol(), ticket == null ? null : ticket.subject);
        this.core = ticket == null ? new SessionCore(ctx, loop, info, this)
                : new SessionCore(ctx, loop, info, this, ticket.policy, ticket.limits);
        core.onOverBudget(() -> close(ProxyContext.OVER_BUDGET, ctx.overBudgetReason()));
        this.frontEnd = factory.create(this, transport);
    }

    public dev.sockbridge.proxy.spi.FrontEnd frontEnd() {
        return frontEnd;
    }

    public SessionCore core() {
        return core;
    }

    public void start() {
        frontEnd.start();
    }

    // ------------------------------------------------------------------ EngineSession

    @Override
    public SessionInfo info() {
        return core.info();
    }

    @Override
    public EventLoop loop() {
        return core.loop();
    }

    @Override
    public SessionLimits limits() {
        return core.limits();
    }

    @Override
    public SocketPolicy policy() {
        return core.policy();
    }

    @Override
    public boolean execute(Runnable task) {
        return Loops.run(core.loop(), task);
    }

    @Override
    public void submit(Call call) {
        core.handle(call.request(), call);
    }

    @Override
    public void credit(int fd, long bytes) {
        core.credit(fd, bytes);
    }

    @Override
    public void writabilityChanged() {
        core.outputWritabilityChanged();
    }

    @Override
    public void datagramDropped(int fd) {
        core.datagramDropped(fd);
    }

    @Override
    public void countMalformed() {
        ctx.countMalformed();
    }

    @Override
    public int outstandingCalls() {
        return core.outstandingCalls();
    }

    @Override
    public long bufferedBytes() {
        return core.bufferedBytes();
    }

    @Override
    public boolean bufferRoom(long n) {
        return core.bufferRoom(n);
    }

    @Override
    public void addBuffered(long delta) {
        core.addBuffered(delta);
    }

    @Override
    public void countHeldBytes(Transport t) {
        t.countHeldBytes(core::countTransportHeld);
    }

    @Override
    public long transportHeldBytes() {
        return core.transportHeldBytes();
    }

    @Override
    public boolean isClosed() {
        return core.isClosed();
    }

    // ------------------------------------------------------------------ SessionOutput: routes are calls

    @Override
    public void reply(Reply reply, Object route) {
        Call c = (Call) route;
        c.route().completed(c, Results.of(reply));
    }

    @Override
    public boolean event(Event event, Object route, boolean datagram) {
        if (!(route instanceof Call)) {
            Message.release(event);
            return false;
        }
        return ((Call) route).route().pushed(event, datagram);
    }

    @Override
    public boolean isWritable(Object route) {
        return !(route instanceof Call) || ((Call) route).route().isWritable();
    }

    // ------------------------------------------------------------------ the proxy's side

    @Override
    public boolean isEnded() {
        return core.isClosed();
    }

    /** Ends the session from the proxy's side (shutdown, grant expiry, over budget). Any thread; idempotent. */
    @Override
    public void close(int code, String reason) {
        if (!Loops.run(core.loop(), () -> {
            if (!core.isClosed()) {
                frontEnd.close(code, reason);
            }
            // a front end that did not end its engine side: ended here, so its sockets never outlive it
            core.close(code, reason);
        })) {
            // the proxy's loops have stopped: its shutdown already ended the session
            transport.close(code, reason);
        }
    }
}
