package dev.sockbridge.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far by this JVM plus, when a benchmark runs the proxy as a child process, that process, split
 * into user and kernel time: on a machine whose cores are all busy, throughput ratios follow CPU-per-byte ratios,
 * and unlike throughput the CPU figure does not depend on how much of a shared machine the run got. Read from
 * /proc (Linux; clock ticks of 10 ms, fine over runs of seconds); zeros elsewhere.
 */
final class Cpu {
    private static volatile long childPid = -1;

    private Cpu() {
    }

    static void alsoCount(Process child) {
        childPid = child.pid();
    }

    /** {user, kernel} nanoseconds of this JVM and the child, if any. */
    static long[] nanos() {
        long[] own = read("self");
        long pid = childPid;
        long[] child = pid < 0 ? new long[2] : read(String.valueOf(pid));
        return new long[] {own[0] + child[0], own[1] + child[1]};
    }

    /** CPU between two {@link #nanos()} readings, in ms per MiB of {@code mib}; kernel time only if asked. */
    static double msPerMiB(long[] from, long[] to, boolean kernelOnly, long mib) {
        long ns = (to[1] - from[1]) + (kernelOnly ? 0 : to[0] - from[0]);
        return ns / 1e6 / mib;
    }

    private static long[] read(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // fields after the command name, which is in parentheses and may hold spaces: utime is the 14th, stime the 15th
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]) * 10_000_000L, Long.parseLong(f[12]) * 10_000_000L};
        } catch (Exception e) {
            return new long[2];
        }
    }
}
