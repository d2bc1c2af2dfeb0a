package dev.sockbridge.api.message;

import java.net.InetSocketAddress;

/** One getaddrinfo result. {@code canonName} is set on the first result when AI_CANONNAME asked for it. */
public record AddrInfo(int family, int socktype, int protocol, InetSocketAddress address, String canonName) {
}
