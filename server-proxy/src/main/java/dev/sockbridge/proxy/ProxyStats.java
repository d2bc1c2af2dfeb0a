package dev.sockbridge.proxy;

/**
 * A snapshot of the proxy's counters.
 *
 * @param sessionsOpen        sessions now open
 * @param sessionsTotal       sessions ever opened
 * @param nativeChannelsOpen  native TCP/UDP channels now open (counted on register and close, not inferred)
 * @param callsTotal          calls executed
 * @param callErrors          calls answered with an error
 * @param callsDenied         calls the policy refused
 * @param bytesToNative       bytes written to native sockets
 * @param bytesFromNative     bytes read from native sockets
 * @param datagramsDropped    datagrams dropped (full buffers, no credit, too large for the datagram path, policy)
 * @param malformedFrames     frames that did not decode
 * @param bufferedBytes       bytes the proxy holds for all sessions now (receive and send queues, parked
 *                            sends, native channels' pending writes, partially received messages): the
 *                            sum that {@link SessionLimits#maxBufferedBytes} bounds per session
 * @param sessionsRefused     sessions refused before they started (limits, authentication, origin)
 */
public record ProxyStats(int sessionsOpen, long sessionsTotal, int nativeChannelsOpen, long callsTotal,
                         long callErrors, long callsDenied, long bytesToNative, long bytesFromNative,
                         long datagramsDropped, long malformedFrames, long bufferedBytes, long sessionsRefused) {
}
