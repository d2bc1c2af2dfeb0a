package dev.sockbridge.api.transport;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds {@link TransportProvider}s by URI scheme through {@link ServiceLoader}: providers of named modules
 * ({@code provides dev.sockbridge.api.transport.TransportProvider}) and of the class path
 * ({@code META-INF/services}), from this class's loader and the thread's context loader.
 *
 * <p><b>Threading.</b> Safe from any thread; each call looks the providers up again (cheap, and new class loaders
 * are seen).
 */
public final class Transports {
    private Transports() {
    }

    /** Every available provider, highest priority first. */
    public static List<TransportProvider> providers() {
        List<TransportProvider> out = new ArrayList<>();
        for (TransportProvider p : ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader())) {
            if (p.isAvailable()) {
                out.add(p);
            }
        }
        if (Thread.currentThread().getContextClassLoader() != null
                && Thread.currentThread().getContextClassLoader() != Transports.class.getClassLoader()) {
            for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
                if (p.isAvailable() && out.stream().noneMatch(q -> q.getClass() == p.getClass())) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparingInt(TransportProvider::priority).reversed());
        return out;
    }

    /** The provider for {@code scheme}; throws IllegalArgumentException naming the known schemes if none. */
    public static TransportProvider forScheme(String scheme) {
        String s = scheme.toLowerCase(Locale.ROOT);
        List<String> known = new ArrayList<>();
        for (TransportProvider p : providers()) {
            if (p.schemes().contains(s)) {
                return p;
            }
            known.addAll(p.schemes());
        }
        throw new IllegalArgumentException("no transport for scheme '" + scheme + "'; available: " + known);
    }

    public static TransportProvider forUri(URI uri) {
        if (uri.getScheme() == null) {
            throw new IllegalArgumentException("URI has no scheme: " + uri);
        }
        return forScheme(uri.getScheme());
    }
}
