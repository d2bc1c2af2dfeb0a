package dev.sockbridge.proxy;

/**
 * Limits over the whole proxy, across sessions (per-session limits are {@link SessionLimits}). On by
 * default: a proxy on the open internet must refuse politely before descriptors or memory run out.
 * A refused session gets HTTP 503 (or a close code with a reason) at its upgrade; a socket that
 * would pass {@link #maxNativeChannels} fails with EMFILE.
 *
 * @param maxSessions                    sessions open at once, over every transport and front end
 * @param maxNativeChannels              native TCP/UDP channels open at once over all sessions
 * @param descriptorHeadroom             descriptors kept back from the process limit so listeners can
 *                                       still accept (and refuse) when sessions have used the rest
 * @param maxSessionsPerAddress          sessions open at once from one client IP address
 * @param newSessionsPerSecondPerAddress new sessions per second from one client IP address (a token
 *                                       bucket with a burst of twice this)
 * @param maxBufferedBytes               bytes held for all sessions together (their
 *                                       {@link SessionLimits#maxBufferedBytes} budgets summed)
 */
public record ProxyLimits(int maxSessions, int maxNativeChannels, int descriptorHeadroom,
                          int maxSessionsPerAddress, int newSessionsPerSecondPerAddress, long maxBufferedBytes) {

    public static ProxyLimits defaults() {
        return new ProxyLimits(10_000, 50_000, 256, 256, 100, 1L << 30);
    }

    /** No limits beyond what the machine has (tests and benchmarks that open thousands of sessions). */
    public static ProxyLimits unlimited() {
        return new ProxyLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, 64, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Long.MAX_VALUE);
    }

    public ProxyLimits {
        if (maxSessions < 1 || maxNativeChannels < 1 || descriptorHeadroom < 0 || maxSessionsPerAddress < 1
                || newSessionsPerSecondPerAddress < 1 || maxBufferedBytes < 1) {
            throw new IllegalArgumentException("bad proxy limits: " + this);
        }
    }

    public ProxyLimits withMaxSessions(int v) {
        return new ProxyLimits(v, maxNativeChannels, descriptorHeadroom, maxSessionsPerAddress,
                newSessionsPerSecondPerAddress, maxBufferedBytes);
    }

    public ProxyLimits withMaxNativeChannels(int v) {
        return new ProxyLimits(maxSessions, v, descriptorHeadroom, maxSessionsPerAddress,
                newSessionsPerSecondPerAddress, maxBufferedBytes);
    }

    public ProxyLimits withDescriptorHeadroom(int v) {
        return new ProxyLimits(maxSessions, maxNativeChannels, v, maxSessionsPerAddress,
                newSessionsPerSecondPerAddress, maxBufferedBytes);
    }

    public ProxyLimits withMaxSessionsPerAddress(int v) {
        return new ProxyLimits(maxSessions, maxNativeChannels, descriptorHeadroom, v,
                newSessionsPerSecondPerAddress, maxBufferedBytes);
    }

    public ProxyLimits withNewSessionsPerSecondPerAddress(int v) {
        return new ProxyLimits(maxSessions, maxNativeChannels, descriptorHeadroom, maxSessionsPerAddress, v,
                maxBufferedBytes);
    }

    public ProxyLimits withMaxBufferedBytes(long v) {
        return new ProxyLimits(maxSessions, maxNativeChannels, descriptorHeadroom, maxSessionsPerAddress,
                newSessionsPerSecondPerAddress, v);
    }
}
