package dev.sockbridge.api.testing;

import dev.sockbridge.api.transport.ServerTransport;
import dev.sockbridge.api.transport.Transport;
import dev.sockbridge.api.transport.TransportProvider;
import dev.sockbridge.api.transport.Transports;
import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs Sockbridge as a module-path application would: a child JVM with the Sockbridge main artifacts and their
 * Netty, Jackson, SLF4J and Micrometer jars on the module path, and {@link #main} (this class, from the test class path) reporting
 * what it sees there: which providers {@code ServiceLoader} finds (so {@code uses}/{@code provides} are right),
 * which packages each Sockbridge module exports, and whether a frame echoes over each URI given.
 *
 * <p>Tests run on the class path (see the parent pom), where module-info is not in force: this is what checks it.
 */
public final class ModulePath {
    private ModulePath() {
    }

    /**
     * Runs the probe with {@code uris} to echo over (a server on each from its provider, a client connected to it)
     * and returns its output; fails if the child JVM fails or takes more than a minute.
     */
    public static String probe(String... uris) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String e : cp.split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            Path p = Path.of(e);
            String name = p.getFileName().toString();
            boolean sockbridgeMain = Files.isDirectory(p) ? e.endsWith("target" + File.separator + "classes")
                    && Files.exists(p.resolve("module-info.class"))
                    : name.startsWith("sockbridge-") && !name.contains("-tests") && hasModuleInfo(p);
            // micrometer-*: automatic modules that metrics-micrometer requires
            if (sockbridgeMain || name.startsWith("netty-") || name.startsWith("jackson-") || name.startsWith("slf4j-")
                    || name.startsWith("micrometer-")) {
                modulePath.add(e);
            } else {
                // the test classes, test-jars (the probe itself), JUnit, modules that are not modules yet
                classPath.add(e);
            }
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dsockbridge.noEpoll=" + Boolean.getBoolean("sockbridge.noEpoll"),
                "-p", String.join(File.pathSeparator, modulePath), "--add-modules", "ALL-MODULE-PATH",
                "-cp", String.join(File.pathSeparator, classPath), ModulePath.class.getName()));
        cmd.addAll(List.of(uris));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("module-path probe did not end within 60 s: " + out.getNow(""));
        }
        String text = out.get(10, TimeUnit.SECONDS);
        if (p.exitValue() != 0) {
            throw new AssertionError("module-path probe failed (" + p.exitValue() + "):\n" + text + "\nmodule path: "
                    + modulePath);
        }
        return text;
    }

    private static boolean hasModuleInfo(Path jar) {
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar.toFile())) {
            return j.getEntry("module-info.class") != null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The probe, in the child JVM: one line per finding, then {@code echo URI ok} per URI. */
    public static void main(String[] args) throws Exception {
        System.out.println("api module " + Transport.class.getModule().getName());
        for (TransportProvider p : Transports.providers()) {
            System.out.println("provider " + new TreeSet<>(p.schemes()) + " in " + p.getClass().getModule().getName());
        }
        for (Module m : Transport.class.getModule().getLayer().modules()) {
            if (m.getName().startsWith("dev.sockbridge.")) {
                ModuleDescriptor d = m.getDescriptor();
                System.out.println("module " + m.getName() + " exports " + d.exports().stream()
                        .filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source).sorted()
                        .collect(Collectors.toList()));
            }
        }
        for (String u : args) {
            echo(URI.create(u));
            System.out.println("echo " + u + " ok");
        }
        System.exit(0);
    }

    private static void echo(URI uri) throws Exception {
        TransportProvider provider = Transports.forUri(uri);
        ServerTransport server = provider.newServer(uri, dev.sockbridge.api.transport.TransportOptions.defaults());
        URI bound = EchoRoundTrip.serveEcho(server, new CompletableFuture<>(), 20);
        Transport client = provider.connect(bound, dev.sockbridge.api.transport.TransportOptions.defaults()).get(20, TimeUnit.SECONDS);
        if (!"hello".equals(EchoRoundTrip.roundTrip(client, "hello", 20))) {
            throw new AssertionError("echo over " + uri);
        }
        client.close(dev.sockbridge.api.transport.CloseCode.NORMAL, "done");
        server.shutdownNow().get(20, TimeUnit.SECONDS);
    }
}
