package dev.sockbridge.app;

import dev.sockbridge.transport.websocket.HttpHandler;
import dev.sockbridge.transport.websocket.StaticContent;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A folder served over HTTP, read into memory at start (handlers run on event loops and must not
 * block on the disk). node_modules is skipped except for the packages the browser client imports.
 */
final class StaticFiles implements HttpHandler {
    /**
     * Where the build copies the browser client and demo page (clients/js: src, demo, and the cbor-x modules the
     * page imports) among the classes, so that the jar carries them (proxy-app/pom.xml).
     */
    static final String BUNDLE = "/sockbridge-web";
    private static final String BUNDLE_MARK = BUNDLE + "/demo/index.html";
    private static final long MAX_BYTES = 32L << 20;
    private final Map<String, StaticContent> files = new HashMap<>();
    private final Path root;

    StaticFiles(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        long[] total = {0};
        try (Stream<Path> walk = Files.walk(this.root)) {
            walk.filter(Files::isRegularFile).forEach(f -> {
                String rel = this.root.relativize(f).toString().replace('\\', '/');
                if (rel.startsWith("node_modules/") && !rel.startsWith("node_modules/cbor-x/")) {
                    return;
                }
                if (rel.startsWith(".") || rel.contains("/.")) {
                    return;
                }
                try {
                    long size = Files.size(f);
                    if (total[0] + size > MAX_BYTES) {
                        return;
                    }
                    total[0] += size;
                    files.put("/" + rel, StaticContent.of(type(rel), Files.readAllBytes(f)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    /** Whether the bundled copy is inside a jar: the proxy runs as {@code java -jar sockbridge-proxy.jar}. */
    static boolean bundledInJar() {
        URL u = StaticFiles.class.getResource(BUNDLE_MARK);
        return u != null && u.getProtocol().equals("jar");
    }

    /** The bundled copy (from the jar, or from the classes folder), or null if the build left none. */
    static StaticFiles bundled() throws IOException {
        URL u = StaticFiles.class.getResource(BUNDLE_MARK);
        if (u == null) {
            return null;
        }
        try {
            URI uri = u.toURI();
            if (!u.getProtocol().equals("jar")) {
                return new StaticFiles(Path.of(uri).getParent().getParent());
            }
            // read once into memory at start, so the jar's file system is needed only here
            try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                return new StaticFiles(fs.provider().getPath(uri).getParent().getParent());
            }
        } catch (URISyntaxException e) {
            throw new IOException("bundled web files at " + u + ": " + e.getMessage(), e);
        }
    }

    static String type(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (n.endsWith(".js") || n.endsWith(".mjs")) {
            return "text/javascript; charset=utf-8";
        }
        if (n.endsWith(".json")) {
            return "application/json";
        }
        if (n.endsWith(".css")) {
            return "text/css";
        }
        if (n.endsWith(".wasm")) {
            return "application/wasm";
        }
        return "application/octet-stream";
    }

    int size() {
        return files.size();
    }

    Path root() {
        return root;
    }

    @Override
    public StaticContent get(String path, String query) {
        if (path.endsWith("/")) {
            path = path + "index.html";
        }
        return files.get(path);
    }
}
