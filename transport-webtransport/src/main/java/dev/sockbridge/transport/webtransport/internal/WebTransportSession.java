package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.Future;

import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * One WebTransport session (a browser's {@code new WebTransport(url)}), or one raw QUIC connection from
 * {@link RawQuicServer} / {@link RawQuicClient}: ordered reliable streams in both directions plus unreliable
 * datagrams.
 *
 * <pre>
 *   QUIC connection (QuicChannel) ──┬── CONNECT stream id 0  = session 0 ── its bidi/uni streams, datagrams
 *                                   └── CONNECT stream id 4  = session 4 ── ...
 *   raw QUIC: the whole QuicChannel = one session (id 0); every stream and datagram belongs to it
 * </pre>
 *
 * <p><b>Lifecycle.</b> Opened when the server answered the CONNECT with 200 (raw QUIC: when the handshake
 * completed), reported once to {@link WebTransportSessionHandler#sessionOpened}. Ends exactly once, by
 * {@link #close}, by the peer's close capsule or end of the CONNECT stream, or by the end of the QUIC
 * connection; then {@link WebTransportSessionHandler#sessionClosed} runs, {@link #closeFuture()} completes, the
 * session's streams are reset and further sends fail.
 *
 * <p><b>Threading.</b> Every method may be called from any thread; work is moved onto the connection's event
 * loop, where all handler callbacks and all stream pipelines of the connection run. Do not block there.
 *
 * <p><b>Backpressure.</b> Streams are Netty {@link QuicStreamChannel}s: watch {@code isWritable()} and
 * {@code channelWritabilityChanged}, and turn {@code autoRead} off to stop reading from the peer (QUIC flow
 * control then slows the sender). A client that grants session-level data credit (draft-13+:
 * WT_INITIAL_MAX_DATA, WT_MAX_DATA) is never sent more than it allows: a write past the credit is held, its promise
 * incomplete, until the client grants more, and {@code isWritable()} does not show that, so a writer that may
 * meet such a client also waits for its write promises. Datagrams are never queued for long: {@link #sendDatagram} refuses what cannot
 * be sent and counts it in {@link #datagramsDropped()}.
 */
public interface WebTransportSession {
    /** How a session ended. {@code code} is the unsigned 32-bit WebTransport application code. */
    record CloseInfo(int code, String reason, boolean byPeer) {
    }

    /** The CONNECT stream id; 0 for raw QUIC. */
    long id();

    /** The request path without the query, e.g. {@code /echo}; the ALPN protocol for raw QUIC. */
    String path();

    /** The request's {@code Origin} header; {@code null} for raw QUIC. */
    String origin();

    SocketAddress remoteAddress();

    /** The QUIC connection that carries this session (shared with other sessions on it). */
    QuicChannel connection();

    /**
     * Opens a bidirectional stream to the peer. The WebTransport prefix is written and flushed first, then
     * {@code handler} is added to the stream's pipeline, where it reads and writes plain bytes.
     *
     * @return completes with the stream once it exists, or fails (session closed, peer's stream limit reached)
     */
    Future<QuicStreamChannel> openBidiStream(ChannelHandler handler);

    /** Opens a unidirectional (send-only) stream; otherwise like {@link #openBidiStream}. */
    Future<QuicStreamChannel> openUniStream(ChannelHandler handler);

    /**
     * Sends one datagram and takes ownership of {@code payload} (released in every case).
     *
     * @return {@code false}, counted in {@link #datagramsDropped()}, if it cannot be sent: session closed, peer
     *         without datagram support, or larger than {@link #maxDatagramSize()}; {@code true} if handed to QUIC,
     *         which still may lose it
     */
    boolean sendDatagram(ByteBuf payload);

    /** Largest datagram payload in bytes now (QUIC limit minus the session prefix); 0 if datagrams are off. */
    int maxDatagramSize();

    /** Outgoing datagrams refused or failed so far. */
    long datagramsDropped();

    boolean isOpen();

    /**
     * Closes the session with an application code and reason (at most 1024 UTF-8 bytes): sends
     * CLOSE_WEBTRANSPORT_SESSION, ends the CONNECT stream and resets the session's streams. Raw QUIC closes the
     * connection with this application error. No effect once closed.
     */
    void close(int code, String reason);

    /** Asks the peer to wind the session down (DRAIN_WEBTRANSPORT_SESSION); no effect for raw QUIC. */
    void drain();

    /** Completes once the session has ended, after {@link WebTransportSessionHandler#sessionClosed}. */
    CompletionStage<CloseInfo> closeFuture();
}
