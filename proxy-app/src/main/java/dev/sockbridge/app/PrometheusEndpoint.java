package dev.sockbridge.app;

import dev.sockbridge.metrics.SockbridgeMetrics;
import dev.sockbridge.proxy.SockbridgeProxy;
import dev.sockbridge.transport.websocket.StaticContent;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;

/**
 * The admin listener's {@code /metrics}: the proxy's meters ({@link SockbridgeMetrics}) and the JVM's, in the
 * Prometheus text format. Made before the proxy (its listener goes into the builder), bound to it after.
 */
final class PrometheusEndpoint implements AutoCloseable {
    /** What Prometheus asks for and gets by default: the text format 0.0.4. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SockbridgeMetrics metrics = new SockbridgeMetrics(registry);
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private PrometheusEndpoint(SockbridgeProxy.Builder builder) {
        builder.listener(metrics);
        // what an operator's JVM dashboards expect beside the proxy's own meters
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Adds the metrics listener to {@code builder}, unless {@code --metrics off}; null then. */
    static PrometheusEndpoint install(ProxyOptions opts, SockbridgeProxy.Builder builder) {
        String v = opts.get("metrics", "on");
        if (v.equals("off")) {
            return null;
        }
        if (!v.equals("on")) {
            throw new IllegalArgumentException("--metrics takes on or off, not '" + v + "'");
        }
        return new PrometheusEndpoint(builder);
    }

    /** Registers the gauges over the proxy built with the listener. */
    void bindTo(SockbridgeProxy proxy) {
        metrics.bindTo(proxy);
    }

    /** One scrape. On the admin listener's event loop: it reads counters and takes no lock a session waits on. */
    StaticContent scrape() {
        return StaticContent.of(CONTENT_TYPE, registry.scrape().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
