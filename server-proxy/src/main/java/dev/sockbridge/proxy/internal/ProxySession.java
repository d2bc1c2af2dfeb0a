package dev.sockbridge.proxy.internal;

import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.proxy.SessionInfo;
import dev.sockbridge.proxy.spi.FrontEndFactory;
import io.netty.channel.EventLoop;

/**
 * One session the proxy serves: the engine side ({@link SessionCore}) and the
 * {@link dev.sockbridge.proxy.spi.FrontEnd} that drives it, as the proxy holds them to end the session (shutdown,
 * grant expiry, over budget). Made once its transport is admitted.
 */
public final class ProxySession {
    private final Transport transport;
    private final SessionCore core;
    private final dev.sockbridge.proxy.spi.FrontEnd frontEnd;

    /** A session of {@code factory}'s protocol on {@code transport}, under {@code ticket}'s grant (null: the proxy's own). */
    public ProxySession(ProxyContext ctx, Transport transport, AdmissionTicket ticket, FrontEndFactory factory) {
        this.transport = transport;
        EventLoop loop = ctx.loopFor(transport.executor());
        SessionInfo info = new SessionInfo(ctx.newSessionId(), transport.remoteAddress(), transport.scheme(),
                factory.protocol(), ticket == null ? null : ticket.subject);
        this.core = ticket == null ? new SessionCore(ctx, loop, info, ctx.policy, ctx.limits)
                : new SessionCore(ctx, loop, info, ticket.policy, ticket.limits);
        core.onOverBudget(() -> close(ProxyContext.OVER_BUDGET, ctx.overBudgetReason()));
        this.frontEnd = factory.create(core, transport);
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

    public int outstandingCalls() {
        return core.outstandingCalls();
    }

    public boolean isEnded() {
        return core.isClosed();
    }

    private boolean toldGoingAway;

    /**
     * Tells the session the proxy drains: the transport's signal first (WebTransport's capsule and GOAWAY), then
     * the front end's protocol. Any thread; once per session, however often called.
     */
    public void goingAway(String reason) {
        Loops.run(core.loop(), () -> {
            if (toldGoingAway || core.isClosed()) {
                return;
            }
            toldGoingAway = true;
            transport.goingAway(reason);
            frontEnd.goingAway(reason);
        });
    }

    /** Ends the session from the proxy's side. Any thread; idempotent. */
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
