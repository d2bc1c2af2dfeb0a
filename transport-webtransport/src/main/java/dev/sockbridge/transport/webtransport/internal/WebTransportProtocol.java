package dev.sockbridge.transport.webtransport.internal;

import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.http3.Http3SettingsFrame;

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
        settings.put(SETTINGS_ENABLE_WEBTRANSPORT_DRAFT02, 1L);
        settings.put(SETTINGS_WEBTRANSPORT_MAX_SESSIONS_DRAFT07, (long) maxSessionsPerConnection);
        settings.put(SETTINGS_WT_MAX_SESSIONS, (long) maxSessionsPerConnection);
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

    /** True if {@code id} can be a CONNECT stream, i.e. a client-initiated bidirectional stream. */
    public static boolean isClientBidiStreamId(long id) {
        return id >= 0 && (id & 0x3) == 0;
    }
}
