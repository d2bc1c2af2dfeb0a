package dev.sockbridge.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The runnable proxy's logging: SLF4J bound to Logback. Without flags the configuration stands as Logback found
 * it (the bundled {@code logback.xml}: text on stderr, INFO; or the user's own, {@code -Dlogback.configurationFile}).
 * The flags change only what they name: {@code --log-level} the root level, {@code --log LOGGER=LEVEL} one logger,
 * {@code --log-format} replaces the root's appenders with one on stderr in that format (loggers that a user's
 * configuration gives appenders of their own, such as {@value AccessLog#LOGGER} to a file, keep them).
 */
final class LogSetup {
    /** The text format of the bundled logback.xml, also used for {@code --log-format text}. */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";

    private LogSetup() {
    }

    /** Fails with the reason if a logging flag's value is not understood (before anything starts). */
    static void check(ProxyOptions o) {
        if (o.has("log-level")) {
            level(o.get("log-level", null));
        }
        for (String s : o.all("log")) {
            loggerAndLevel(s);
        }
        String f = o.get("log-format", "text");
        if (!f.equals("text") && !f.equals("json")) {
            throw new IllegalArgumentException("--log-format is text or json, not '" + f + "'");
        }
        String a = o.get("access-log", "on");
        if (!a.equals("on") && !a.equals("off")) {
            throw new IllegalArgumentException("--access-log is on or off, not '" + a + "'");
        }
    }

    /** Applies the flags to the process's Logback; says so on stderr if SLF4J is bound to something else. */
    static void apply(ProxyOptions o) {
        check(o);
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        if (f instanceof LoggerContext ctx) {
            apply(ctx, o);
        } else if (o.has("log-level") || o.has("log") || o.has("log-format")) {
            System.err.println("sockbridge: SLF4J is bound to " + f.getClass().getName()
                    + ", not Logback: --log-level, --log and --log-format are ignored");
        }
    }

    static void apply(LoggerContext ctx, ProxyOptions o) {
        check(o);
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (o.has("log-level")) {
            root.setLevel(level(o.get("log-level", null)));
        }
        for (String s : o.all("log")) {
            String[] nl = loggerAndLevel(s);
            ctx.getLogger(nl[0]).setLevel(level(nl[1]));
        }
        if (o.has("log-format")) {
            LayoutBase<ILoggingEvent> layout;
            if (o.get("log-format", "text").equals("json")) {
                layout = new JsonLineLayout();
            } else {
                PatternLayout p = new PatternLayout();
                p.setPattern(TEXT_PATTERN);
                layout = p;
            }
            layout.setContext(ctx);
            layout.start();
            LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
            enc.setContext(ctx);
            enc.setLayout(layout);
            enc.start();
            ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
            a.setContext(ctx);
            a.setName("STDERR");
            // stdout carries the proxy's start report (addresses, policy), which scripts and tests read
            a.setTarget("System.err");
            a.setEncoder(enc);
            a.start();
            root.detachAndStopAllAppenders();
            root.addAppender(a);
        }
    }

    static Level level(String name) {
        Level l = name == null ? null : Level.toLevel(name.trim().toUpperCase(Locale.ROOT), null);
        if (l == null) {
            throw new IllegalArgumentException("unknown log level '" + name + "' (trace, debug, info, warn, error, off)");
        }
        return l;
    }

    private static String[] loggerAndLevel(String s) {
        int eq = s.lastIndexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--log takes LOGGER=LEVEL (e.g. dev.sockbridge.proxy=debug), not '" + s + "'");
        }
        String[] r = {s.substring(0, eq).trim(), s.substring(eq + 1).trim()};
        level(r[1]);
        return r;
    }
}
