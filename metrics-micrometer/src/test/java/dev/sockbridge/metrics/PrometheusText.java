package dev.sockbridge.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Prometheus text exposition (format 0.0.4) read into samples, so tests look at the series they mean and never
 * compare whole outputs. Reads what Micrometer's Prometheus registry writes: one sample per line, label values
 * quoted with backslash escapes, comments and blank lines skipped.
 */
public final class PrometheusText {
    /** One line: the metric name, its labels, its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    public static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            Map<String, String> labels = new LinkedHashMap<>();
            String name;
            if (brace >= 0 && brace < space) {
                name = line.substring(0, brace);
                int i = brace + 1;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String key = line.substring(i, eq).trim();
                    StringBuilder v = new StringBuilder();
                    int j = eq + 2; // past ="
                    for (; line.charAt(j) != '"'; j++) {
                        char c = line.charAt(j);
                        if (c == '\\') {
                            char n = line.charAt(++j);
                            v.append(n == 'n' ? '\n' : n);
                        } else {
                            v.append(c);
                        }
                    }
                    labels.put(key, v.toString());
                    i = j + 1;
                    if (line.charAt(i) == ',') {
                        i++;
                    }
                }
                space = line.indexOf(' ', line.indexOf('}'));
            } else {
                name = line.substring(0, line.indexOf(' '));
                space = name.length();
            }
            String[] rest = line.substring(space).trim().split("\\s+");
            out.add(new Sample(name, labels, Double.parseDouble(rest[0])));
        }
        return new PrometheusText(out);
    }

    /** Whether some sample is named {@code name}. */
    public boolean has(String name) {
        return samples.stream().anyMatch(s -> s.name.equals(name));
    }

    /**
     * The sum of the samples named {@code name} whose labels include {@code labels} (key, value, key, value...):
     * 0 when there is none, as Prometheus reads a counter not yet made.
     */
    public double value(String name, String... labels) {
        double sum = 0;
        for (Sample s : samples) {
            if (s.name.equals(name) && matches(s.labels, labels)) {
                sum += s.value;
            }
        }
        return sum;
    }

    private static boolean matches(Map<String, String> have, String[] want) {
        for (int i = 0; i + 1 < want.length; i += 2) {
            if (!want[i + 1].equals(have.get(want[i]))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Sample s : samples) {
            if (s.name.startsWith("sockbridge_")) {
                sb.append(s.name).append(s.labels).append(' ').append(s.value).append('\n');
            }
        }
        return sb.toString();
    }
}
