package dev.sockbridge.transport.webtransport.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;
import io.netty.handler.codec.quic.QuicStreamType;

/**
 * Wire constants of WebTransport over HTTP/3 as Chromium 156 speaks it (draft-02 framing, RFC 9297 capsules,
 * RFC 9221 datagrams with a quarter-stream-id prefix), and the SETTINGS a server must send.
 *
 * <p>See {@code shared/webtransport-notes.md}: Chromium 156 needs {@code SETTINGS_ENABLE_WEBTRANSPORT
 * (0x2b603742) = 1} plus {@code H3_DATAGRAM} (0x33 or 0xffd277); the newer max-sessions ids are sent for other
 * clients.
 */
public final class WebTransportProtocol {
    public static final long SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;
    public static final long SETTINGS_H3_DATAGRAM = 0x33;
    public static final long SETTINGS_H3_DATAGRAM_DRAFT04 = 0xffd277L;
    public static final long SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02 = 0x2b603742L;
    public static final long SETTINGS_WEBTRANSPORT_MAX_SESSIONS_DRAFT07 = 0xc671706aL;
    public static final long SETTINGS_WT_MAX_SESSIONS = 0x14e9cd29L;
    /** draft-15: WebTransport is on (replaces a max-sessions count; newer neqo reads this and 0xc671706a). */
    public static final long SETTINGS_WT_ENABLED = 0x2c7cf000L;
    /** draft-13+: session-level credits each side grants the other at the start of every session. */
    public static final long SETTINGS_WT_INITIAL_MAX_DATA = 0x2b61L;
    public static final long SETTINGS_WT_INITIAL_MAX_STREAMS_UNI = 0x2b64L;
    public static final long SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI = 0x2b65L;

    /** draft-13+ flow-control capsules (one varint each). */
    public static final long CAPSULE_WT_MAX_DATA = 0x190b4d3dL;
    public static final long CAPSULE_WT_MAX_STREAMS_BIDI = 0x190b4d3fL;
    public static final long CAPSULE_WT_MAX_STREAMS_UNI = 0x190b4d40L;
    public static final long CAPSULE_WT_DATA_BLOCKED = 0x190b4d41L;
    public static final long CAPSULE_WT_STREAMS_BLOCKED_BIDI = 0x190b4d43L;
    public static final long CAPSULE_WT_STREAMS_BLOCKED_UNI = 0x190b4d44L;

    /**
     * The session data credit the server grants a client that speaks flow control, and tops up as the session's
     * streams are read: as large as a stream window, so a flow-controlled client is not slower than a draft-02 one.
     */
    public static final long SESSION_DATA_WINDOW = 16L << 20;
    /**
     * The session stream credit granted (bidi and uni). Streams are bounded by QUIC's own stream limits, which
     * quiche tops up as streams end; this session-level count is only the pooling guard of the newer drafts, so
     * it is made large enough never to need a WT_MAX_STREAMS capsule.
     */
    public static final long SESSION_STREAMS_CREDIT = 1L << 40;

    /** First varint of a WebTransport bidirectional stream, followed by the session id. */
    public static final long BIDI_STREAM_SIGNAL = 0x41;
    /** Unidirectional stream type, followed by the session id. */
    public static final long UNI_STREAM_TYPE = 0x54;

    public static final long CAPSULE_CLOSE_SESSION = 0x2843;
    public static final long CAPSULE_DRAIN_SESSION = 0x78ae;
    /** Longest close reason in bytes (UTF-8). */
    public static final int MAX_CLOSE_REASON_BYTES = 1024;

    /** HTTP/3 error code used to reset a session's streams when the session ends. */
    public static final int WEBTRANSPORT_SESSION_GONE = 0x170d7b68;

    public static final String PROTOCOL = "webtransport";
    /** The upgrade token of draft-15 and later (newer neqo, webtransport-go); the server takes both. */
    public static final String PROTOCOL_DRAFT15 = "webtransport-h3";
    public static final String DRAFT_HEADER = "sec-webtransport-http3-draft";
    public static final String DRAFT_HEADER_VALUE = "draft02";

    /** Accepts every non-standard setting id, ours and the peer's (GREASE included). */
    public static final Http3Settings.NonStandardHttp3SettingsValidator ACCEPT_ALL_SETTINGS = (id, value) -> true;

    private WebTransportProtocol() {
    }

    /**
     * The server SETTINGS frame. Non-standard ids survive only because the settings object carries a validator
     * (the default {@code new Http3Settings()} silently drops them); pass {@link #ACCEPT_ALL_SETTINGS} to the
     * connection handler too.
     */
    public static Http3SettingsFrame serverSettings(int maxSessionsPerConnection) {
        Http3Settings settings = new Http3Settings(ACCEPT_ALL_SETTINGS);
        settings.enableConnectProtocol(true);
        settings.enableH3Datagram(true);
        settings.put(SETTINGS_H3_DATAGRAM_DRAFT04, 1L);
        // Chromium and Firefox (draft-02) refuse the server without this one
        settings.put(SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        settings.put(SETTINGS_WEBTRANSPORT_MAX_SESSIONS_DRAFT07, (long) maxSessionsPerConnection);
        settings.put(SETTINGS_WT_MAX_SESSIONS, (long) maxSessionsPerConnection);
        // draft-15 clients (newer neqo) look for WT_ENABLED; Safari gives up before its CONNECT when more than
        // one session is allowed and the initial session credits are missing, and sends nothing without data
        // credit: so all three, never zero
        settings.put(SETTINGS_WT_ENABLED, 1L);
        settings.put(SETTINGS_WT_INITIAL_MAX_DATA, SESSION_DATA_WINDOW);
        settings.put(SETTINGS_WT_INITIAL_MAX_STREAMS_UNI, SESSION_STREAMS_CREDIT);
        settings.put(SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI, SESSION_STREAMS_CREDIT);
        return new DefaultHttp3SettingsFrame(settings);
    }

    /** The client SETTINGS frame: HTTP datagrams (both ids) and WebTransport draft-02. */
    public static Http3SettingsFrame clientSettings() {
        Http3Settings settings = new Http3Settings(ACCEPT_ALL_SETTINGS);
        settings.enableH3Datagram(true);
        settings.put(SETTINGS_H3_DATAGRAM_DRAFT04, 1L);
        settings.put(SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        return new DefaultHttp3SettingsFrame(settings);
    }

    /** Datagram prefix: the quarter stream id of the session's CONNECT stream. */
    public static long quarterStreamId(long sessionId) {
        return sessionId >>> 2;
    }

    /**
     * What opens every stream of session {@code sessionId}: the stream type (bidirectional signal or unidirectional
     * WebTransport stream type) and the session id, as varints.
     */
    public static ByteBuf streamPrefix(ByteBufAllocator alloc, QuicStreamType type, long sessionId) {
        ByteBuf prefix = alloc.buffer(16);
        Varint.write(prefix, type == QuicStreamType.BIDIRECTIONAL ? BIDI_STREAM_SIGNAL : UNI_STREAM_TYPE);
        Varint.write(prefix, sessionId);
        return prefix;
    }

    /** True if {@code id} can be a CONNECT stream, i.e. a client-initiated bidirectional stream. */
    public static boolean isClientBidiStreamId(long id) {
        return id >= 0 && (id & 0x3) == 0;
    }
}
