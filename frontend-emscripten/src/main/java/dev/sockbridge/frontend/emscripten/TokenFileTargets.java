package dev.sockbridge.frontend.emscripten;

import static dev.sockbridge.frontend.emscripten.BridgeTargets.pathOf;
import static dev.sockbridge.frontend.emscripten.BridgeTargets.queryParam;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** The {@link BridgeTargets#tokenFile} resolver: websockify's token files, re-read when they change. Thread-safe. */
final class TokenFileTargets implements BridgeTargets {
    private final Path file;
    private final Kind defaultKind;
    private volatile Snapshot snapshot;

    private record Snapshot(Map<Path, FileTime> stamps, Map<String, Target> targets) {
    }

    TokenFileTargets(Path file, Kind defaultKind) {
        this.file = Objects.requireNonNull(file, "file");
        this.defaultKind = Objects.requireNonNull(defaultKind, "defaultKind");
        snapshot = load(); // fail early on a missing or broken file
    }

    @Override
    public Target resolve(String requestTarget) {
        String token = queryParam(requestTarget, "token");
        if (token == null || token.isEmpty()) {
            String p = pathOf(requestTarget);
            token = URLDecoder.decode(p.substring(p.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
        }
        if (token.isEmpty()) {
            return null;
        }
        return current().targets.get(token);
    }

    private Snapshot current() {
        Snapshot s = snapshot;
        try {
            if (!stamps().equals(s.stamps)) {
                s = load();
                snapshot = s;
            }
        } catch (RuntimeException e) {
            // a file being rewritten right now: keep serving the last good snapshot
        }
        return s;
    }

    private List<Path> files() throws IOException {
        if (!Files.isDirectory(file)) {
            return List.of(file);
        }
        try (Stream<Path> st = Files.list(file)) {
            return st.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private Map<Path, FileTime> stamps() {
        try {
            Map<Path, FileTime> m = new HashMap<>();
            for (Path p : files()) {
                m.put(p, Files.getLastModifiedTime(p));
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Snapshot load() {
        try {
            Map<Path, FileTime> stamps = stamps();
            Map<String, Target> targets = new HashMap<>();
            List<String> errors = new ArrayList<>();
            for (Path p : files()) {
                int no = 0;
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    no++;
                    String l = line.strip();
                    if (l.isEmpty() || l.startsWith("#")) {
                        continue;
                    }
                    int sep = l.indexOf(':');
                    if (sep <= 0) {
                        errors.add(p + ":" + no + ": expected 'token: host:port'");
                        continue;
                    }
                    try {
                        targets.put(l.substring(0, sep).strip(), Target.parse(l.substring(sep + 1), defaultKind));
                    } catch (IllegalArgumentException e) {
                        errors.add(p + ":" + no + ": " + e.getMessage());
                    }
                }
            }
            if (!errors.isEmpty()) {
                throw new IllegalArgumentException("bad token file: " + String.join("; ", errors));
            }
            return new Snapshot(stamps, Map.copyOf(targets));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + file, e);
        }
    }
}
