package dev.sockbridge.benchmarks;

import java.util.Arrays;
import java.util.List;

/** Small helpers for percentiles and table printing. */
final class Stats {
    private Stats() {
    }

    static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sortedNanos.length - 1, Math.max(0, Math.ceil(p / 100.0 * sortedNanos.length) - 1));
        return sortedNanos[i] / 1000.0;
    }

    static long[] sorted(long[] a) {
        long[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    /** Prints a Markdown table: header then rows, columns padded. */
    static void table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (int ri = 0; ri < rows.size(); ri++) {
            StringBuilder sb = new StringBuilder("|");
            for (int i = 0; i < cols; i++) {
                String c = rows.get(ri)[i];
                sb.append(' ').append(c).append(" ".repeat(w[i] - c.length())).append(" |");
            }
            System.out.println(sb);
            if (ri == 0) {
                StringBuilder sep = new StringBuilder("|");
                for (int i = 0; i < cols; i++) {
                    sep.append(' ').append("-".repeat(w[i])).append(" |");
                }
                System.out.println(sep);
            }
        }
    }

    static String f1(double v) {
        return String.format("%.1f", v);
    }
}
