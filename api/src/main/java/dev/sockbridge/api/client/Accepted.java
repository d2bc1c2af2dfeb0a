package dev.sockbridge.api.client;

import java.net.InetSocketAddress;

/**
 * A connection that accept returned: its new descriptor (in request/reply mode) and the peer's address.
 */
public record Accepted(int fd, InetSocketAddress peer) {
}
