package dev.sockbridge.api.message;

import dev.sockbridge.api.transport.CloseCode;
import java.util.List;

/** Session control: the version handshake, credit grants and the session's end. */
public sealed interface Control extends Message {

    /** The client's first message: the protocol versions it speaks and who it is. */
    record Hello(List<Integer> versions, String agent) implements Control {
        public Hello {
            versions = List.copyOf(versions);
        }
        public MessageType messageType() { return MessageType.HELLO; }
    }

    /** The proxy's answer to {@link Hello}: the chosen version and the session's limits. */
    record Welcome(int version, String agent, int maxFrameSize, int maxSockets, int maxOutstandingCalls,
                   long maxBufferedBytes) implements Control {
        public MessageType messageType() { return MessageType.WELCOME; }
    }

    /**
     * The end of a session, from either side, with a close code (WebSocket numbering, see {@link CloseCode}) and a
     * reason. The int constants are {@link CloseCode}'s codes, kept as constant expressions so that they still
     * work as {@code case} labels (CloseCodeTest checks they agree).
     */
    record Goodbye(int code, String reason) implements Control {
        public static final int NORMAL = 1000;
        public static final int GOING_AWAY = 1001;
        public static final int PROTOCOL_ERROR = 1002;
        public static final int POLICY_VIOLATION = 1008;
        public static final int TOO_BIG = 1009;
        public static final int INTERNAL_ERROR = 1011;
        public static final int UNSUPPORTED_VERSION = 4001;
        public static final int LIMIT_EXCEEDED = 4002;
        public MessageType messageType() { return MessageType.GOODBYE; }
    }

    /**
     * The proxy is going away (it drains): the session goes on working, but the client should finish its work and
     * end the session (or move to another proxy); the proxy closes it with 1001 at the end of its drain. Sent only
     * in protocol version 2 ({@link dev.sockbridge.api.codec.MessageCodec#VERSION_GOING_AWAY}), at most once.
     */
    record GoingAway(String reason) implements Control {
        public MessageType messageType() { return MessageType.GOING_AWAY; }
    }

    /** Grants {@code bytes} more credit to push-mode socket {@code fd}. */
    record Credit(int fd, long bytes) implements Control {
        public MessageType messageType() { return MessageType.CREDIT; }
    }
}
