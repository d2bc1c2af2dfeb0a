package dev.sockbridge.api.client;

/**
 * Who grants push-mode credit after the first grant ({@link SockbridgeClient#push}).
 */
public enum CreditMode {
    /**
     * The client grants back what each event spent once the {@link PushListener} callback for it has
     * returned, in batches of at least half the initial credit. The proxy then never has more than the
     * initial credit in flight, and a listener that is slow to return slows the proxy's reading.
     */
    AUTO,
    /**
     * The client never grants on its own; the application calls {@link SockbridgeClient#grant} when it
     * has room (after it has processed data it retained, say). Once the credit is spent, nothing more
     * arrives until it does.
     */
    MANUAL
}
