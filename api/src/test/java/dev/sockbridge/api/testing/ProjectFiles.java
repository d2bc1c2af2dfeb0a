package dev.sockbridge.api.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of the repository (docs/protocol.md, clients/js, ...) for tests, which run in their module's directory:
 * found by looking in the working directory and each directory above it.
 */
public final class ProjectFiles {
    private ProjectFiles() {
    }

    /** The first {@code relative} (a file or a directory) in the working directory or above it. */
    public static Path find(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolve(relative);
            if (Files.exists(candidate)) {
                return candidate;
            }
        }
        throw new AssertionError(relative + " not found above " + dir);
    }
}
