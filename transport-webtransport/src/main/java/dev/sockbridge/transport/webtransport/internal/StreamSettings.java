package dev.sockbridge.transport.webtransport.internal;

/**
 * What every Sockbridge stream transport of one side needs to know, parsed once from the transport options.
 *
 * @param scheme             {@code "webtransport"} or {@code "quic"}, for {@code Transport.scheme()}
 * @param raw                raw QUIC: streams carry the one-byte main/extra header of {@link StreamFraming}
 * @param maxFrameSize       largest frame accepted from the peer
 * @param highWaterMark      bytes queued and not yet taken by QUIC above which a stream turns unwritable
 * @param lowWaterMark       ... and at or below which it turns writable again
 * @param closeTimeoutMillis how long a closed main channel waits for the peer to end the session, or a closed
 *                           extra stream for the peer's answer, before ending it itself
 * @param keepAliveMillis    client only: an empty datagram this often keeps an idle connection open; 0 = none
 * @param mainStreamTimeoutMillis server only: a session whose client opens no main channel within this long is
 *                           closed
 */
public record StreamSettings(String scheme, boolean raw, int maxFrameSize, int highWaterMark, int lowWaterMark,
                             long closeTimeoutMillis, long keepAliveMillis, long mainStreamTimeoutMillis) {
    public StreamSettings {
        if (maxFrameSize < 0 || lowWaterMark < 0 || highWaterMark < lowWaterMark || closeTimeoutMillis < 0
                || keepAliveMillis < 0 || mainStreamTimeoutMillis < 0) {
            throw new IllegalArgumentException("bad stream settings: " + this);
        }
    }
}
