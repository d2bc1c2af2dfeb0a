package dev.sockbridge.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config file covers every flag: for each option of {@link ProxyOptions#OPTIONS} a file line gives the proxy
 * the same settings as the flag (everything the proxy reads comes from those settings). And the logging flags set
 * Logback's levels and format (on a context of the test's own, so this JVM's logging is left alone).
 */
class ProxyOptionsTest {
    @TempDir
    Path dir;

    /** A value each option accepts (the parser does not check values; the proxy does at start). */
    private static String sample(String[] spec) {
        return switch (spec[1]) {
            case "" -> "true";
            case "HOST:PORT" -> "127.0.0.1:9";
            case "N", "BYTES", "SECONDS" -> "7";
            case "LEVEL" -> "warn";
            case "LOGGER=LEVEL" -> "dev.sockbridge.proxy=debug";
            case "text|json" -> "json";
            case "on|off" -> "off";
            default -> "x-" + spec[0];
        };
    }

    private ProxyOptions fromFile(String text) throws Exception {
        Path f = dir.resolve("proxy.conf");
        Files.writeString(f, text);
        return ProxyOptions.parse(new String[] {"--config", f.toString()});
    }

    @Test
    void aConfigFileCanSetEveryOption() throws Exception {
        int checked = 0;
        for (String[] spec : ProxyOptions.OPTIONS) {
            if (spec[0].equals("config")) {
                continue; // names the file itself
            }
            String value = sample(spec);
            ProxyOptions byFlag = ProxyOptions.parse(spec[1].isEmpty() ? new String[] {"--" + spec[0]}
                    : new String[] {"--" + spec[0], value});
            ProxyOptions byFile = fromFile("# a comment\n" + spec[0] + " = " + value + "\n");
            Map<String, List<String>> fileValues = new java.util.LinkedHashMap<>(byFile.values);
            fileValues.remove("config");
            assertTrue(byFile.has(spec[0]), spec[0]);
            assertEquals(byFlag.values, fileValues, "--" + spec[0] + " and its config line give the same settings");
            checked++;
        }
        assertEquals(ProxyOptions.OPTIONS.length - 1, checked);
    }

    @Test
    void repeatableOptionsTakeCommaSeparatedValuesAndFlagsWin() throws Exception {
        ProxyOptions file = fromFile("allow=10.0.0.0/8:7777, 10.1.0.0/16\nlog=io.netty=warn,sockbridge.access=off\nmax-sockets=9\n");
        ProxyOptions flags = ProxyOptions.parse(new String[] {"--allow", "10.0.0.0/8:7777", "--allow", "10.1.0.0/16",
                "--log", "io.netty=warn", "--log", "sockbridge.access=off"});
        assertEquals(flags.all("allow"), file.all("allow"));
        assertEquals(flags.all("log"), file.all("log"));
        ProxyOptions both = ProxyOptions.parse(new String[] {"--config", dir.resolve("proxy.conf").toString(),
                "--max-sockets", "3"});
        assertEquals(3, both.getInt("max-sockets", 0));
    }

    @Test
    void anOptionWithoutArgumentIsTrueOrFalseInTheFile() throws Exception {
        assertFalse(fromFile("demo=false\n").has("demo"));
        assertThrows(IllegalArgumentException.class, () -> fromFile("demo=yes\n"));
        assertTrue(fromFile("demo=true\n").has("demo"));
        // the command line turns off what the file turned on
        assertFalse(ProxyOptions.parse(new String[] {"--config", dir.resolve("proxy.conf").toString(), "--demo=false"})
                .has("demo"));
        assertThrows(IllegalArgumentException.class, () -> fromFile("no-such-option=1\n"));
    }

    @Test
    void helpDescribesTheConfigFileAndEveryOption() {
        String help = ProxyOptions.help();
        assertTrue(help.contains("--config FILE"), help);
        for (String[] spec : ProxyOptions.OPTIONS) {
            assertTrue(help.contains("--" + spec[0]), spec[0]);
        }
    }

    // ---------------------------------------------------------------- logging flags

    private static LoggerContext context() {
        LoggerContext ctx = new LoggerContext();
        ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.INFO);
        return ctx;
    }

    private static List<String> logEachLevel(LoggerContext ctx, String name) {
        ListAppender<ILoggingEvent> list = new ListAppender<>();
        list.setContext(ctx);
        list.start();
        Logger l = ctx.getLogger(name);
        l.addAppender(list);
        l.debug("d");
        l.info("i");
        l.warn("w");
        l.detachAppender(list);
        List<String> got = new ArrayList<>();
        list.list.forEach(e -> got.add(e.getMessage()));
        return got;
    }

    @Test
    void theLevelFlagsSilenceAndEnableLoggers() throws Exception {
        LoggerContext ctx = context();
        assertEquals(List.of("i", "w"), logEachLevel(ctx, "sockbridge.access"), "INFO as configured");
        LogSetup.apply(ctx, ProxyOptions.parse(new String[] {"--log-level", "warn", "--log", "dev.sockbridge.proxy=debug",
                "--log", "sockbridge.access=off"}));
        assertEquals(List.of(), logEachLevel(ctx, "sockbridge.access"), "silenced by --log sockbridge.access=off");
        assertEquals(List.of("d", "i", "w"), logEachLevel(ctx, "dev.sockbridge.proxy.engine"),
                "enabled by --log dev.sockbridge.proxy=debug, for the loggers below it too");
        assertEquals(List.of("w"), logEachLevel(ctx, "io.netty.channel"), "the rest at --log-level warn");
    }

    @Test
    void theFormatFlagPutsOneAppenderOnStderr() throws Exception {
        LoggerContext ctx = context();
        LogSetup.apply(ctx, ProxyOptions.parse(new String[] {"--log-format", "json"}));
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = ctx.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders(); it.hasNext(); ) {
            appenders.add(it.next());
        }
        assertEquals(1, appenders.size());
        ConsoleAppender<ILoggingEvent> a = (ConsoleAppender<ILoggingEvent>) appenders.get(0);
        assertEquals("System.err", a.getTarget());
        ctx.stop();
    }

    @Test
    void badLoggingValuesAreRefusedWithTheReason() {
        for (String[] args : new String[][] {{"--log-level", "loud"}, {"--log", "io.netty"}, {"--log", "io.netty=loud"},
                {"--log-format", "xml"}, {"--access-log", "maybe"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LogSetup.check(ProxyOptions.parse(args)), String.join(" ", args));
            assertTrue(e.getMessage().contains(args[1].contains("=") ? args[1].substring(args[1].indexOf('=') + 1) : args[1])
                    || e.getMessage().contains(args[0].substring(2)), e.getMessage());
        }
    }
}
