package dev.sockbridge.api.transport;

/** Told of each connection a {@link ServerTransport} accepts. */
@FunctionalInterface
public interface ServerTransportListener {
    /** A new connection: the listener must {@link Transport#start} it (or close it). */
    void transportCreated(Transport transport);
}
