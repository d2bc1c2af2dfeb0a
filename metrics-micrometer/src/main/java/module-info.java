/**
 * Sockbridge's proxy as Micrometer meters: {@link dev.sockbridge.metrics.SockbridgeMetrics}.
 */
module dev.sockbridge.metrics {
    requires transitive dev.sockbridge.proxy;
    requires transitive micrometer.core;

    exports dev.sockbridge.metrics;
}
