package dev.sockbridge.api.codec;

/**
 * A frame that does not decode to a valid message. {@link #callId()} is the call id when the frame
 * got far enough to show one (so the proxy can still answer that call with an error), else -1;
 * {@link #messageType()} likewise is the type code or -1.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int callId;
    private final int messageType;

    public ProtocolException(String message, int messageType, int callId, Throwable cause) {
        super(message, cause);
        this.callId = callId;
        this.messageType = messageType;
    }

    public int callId() {
        return callId;
    }

    public int messageType() {
        return messageType;
    }
}
