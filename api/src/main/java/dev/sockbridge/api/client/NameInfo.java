package dev.sockbridge.api.client;

/** What getnameinfo returned: the host (name or numeric) and the service (name or port number). */
public record NameInfo(String host, String service) {
}
