package dev.sockbridge.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used so far by this JVM plus, when a benchmark runs the proxy as a child process, that process: on a
 * machine whose cores are all busy, throughput ratios follow CPU-per-byte ratios, and unlike throughput the CPU
 * figure does not depend on how much of a shared machine the run got.
 */
final class Cpu {
    private static volatile long childPid = -1;

    private Cpu() {
    }

    static void alsoCount(Process child) {
        childPid = child.pid();
    }

    static long nanos() {
        long own = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        return own + childNanos();
    }

    /** utime + stime of the child from /proc (clock ticks of 10 ms: fine over runs of seconds); 0 where there is no /proc. */
    private static long childNanos() {
        long pid = childPid;
        if (pid < 0) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // fields after the command name, which is in parentheses and may hold spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L;
        } catch (Exception e) {
            return 0;
        }
    }
}
