package dev.sockbridge.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The runnable proxy as a child JVM, as users run it; its output is collected line by line. */
final class ProxyProcess implements AutoCloseable {
    final Process process;
    final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final Thread reader;

    /** Waits for the process to exit and for all of its output to be read; returns the exit code. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("proxy still running after " + seconds + " s");
        }
        reader.join(TimeUnit.SECONDS.toMillis(seconds));
        return process.exitValue();
    }

    ProxyProcess(String... args) throws IOException {
        this(null, List.of("-cp", System.getProperty("java.class.path"), ProxyMain.class.getName()), args);
    }

    /** The deployable jar, {@code java -jar JAR args}, run in {@code workDir} (null: this one). */
    static ProxyProcess jar(Path jar, Path workDir, String... args) throws IOException {
        return new ProxyProcess(workDir, List.of("-jar", jar.toString()), args);
    }

    private ProxyProcess(Path workDir, List<String> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.util.logging.config.file=" + System.getProperty("java.util.logging.config.file", "")));
        if (System.getProperty("logback.configurationFile") != null) {
            // as quiet as the tests' own logging; --log flags given in args still apply on top
            cmd.add("-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile"));
        }
        cmd.addAll(main);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        process = pb.start();
        reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                    queue.add(l);
                    System.out.println("[proxy] " + l);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "proxy-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits for a line starting with {@code prefix}; fails after the timeout or if the process ends. */
    String await(String prefix, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (lines) {
            for (String l : lines) {
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }
        while (System.nanoTime() < deadline) {
            String l = queue.poll(100, TimeUnit.MILLISECONDS);
            if (l != null && l.startsWith(prefix)) {
                return l;
            }
            if (l == null && !process.isAlive() && queue.isEmpty()) {
                throw new AssertionError("proxy exited (" + process.exitValue() + ") before printing '" + prefix + "': " + lines);
            }
        }
        throw new AssertionError("no '" + prefix + "' within " + seconds + " s: " + lines);
    }

    /** Waits for a line containing {@code text}; fails after the timeout or if the process ends. */
    String awaitContaining(String text, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int seen = 0;
        while (true) {
            synchronized (lines) {
                for (; seen < lines.size(); seen++) {
                    if (lines.get(seen).contains(text)) {
                        return lines.get(seen);
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no line with '" + text + "' within " + seconds + " s: " + lines);
            }
            if (!process.isAlive() && !reader.isAlive()) {
                synchronized (lines) {
                    if (seen == lines.size()) {
                        throw new AssertionError("proxy exited (" + process.exitValue() + ") before printing '" + text + "': " + lines);
                    }
                }
                continue;
            }
            // woken by the reader's next line (it adds to the queue too), or after 100 ms to look again
            queue.poll(100, TimeUnit.MILLISECONDS);
        }
    }

    URI sockbridgeUri() throws InterruptedException {
        String l = await("Sockbridge protocol:", 30);
        return URI.create(l.replaceFirst("^Sockbridge protocol:\\s+", "").replaceFirst("\\s.*$", ""));
    }

    int port() throws InterruptedException {
        return sockbridgeUri().getPort();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
