/**
 * Sockbridge's engine: {@code dev.sockbridge.proxy} (the proxy, its policy, limits, stats and listener),
 * {@code dev.sockbridge.proxy.auth} (authenticators and signed grants) and {@code dev.sockbridge.proxy.spi} (the
 * front-end SPI through which a wire protocol plugs into the engine). Everything else is implementation.
 */
module dev.sockbridge.proxy {
    requires org.slf4j;
    requires transitive dev.sockbridge.api;
    requires io.netty.codec.dns;
    requires io.netty.resolver;
    requires io.netty.resolver.dns;
    // ErrnoMapper reads the kernel's errno from native channel exceptions (io.netty.channel.unix)
    requires io.netty.transport.unix.common;
    // signed tokens' claims are JSON
    requires com.fasterxml.jackson.databind;
    // the proxy reports its process's open descriptors (UnixOperatingSystemMXBean)
    requires java.management;
    requires jdk.management;

    exports dev.sockbridge.proxy;
    exports dev.sockbridge.proxy.auth;
    exports dev.sockbridge.proxy.spi;
}
