package dev.sockbridge.transport.webtransport.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Server-wide counts of peer streams and datagrams dropped because no session took them (unknown or closed
 * session id, hold-back full or expired, malformed prefix).
 *
 * <p>Threading: safe from any thread.
 */
public final class InboundDropCounter {
    final LongAdder streams = new LongAdder();
    final LongAdder datagrams = new LongAdder();

    public long streams() {
        return streams.sum();
    }

    public long datagrams() {
        return datagrams.sum();
    }
}
