package dev.frost.cli.dashboard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the page shows, shared between the training thread (writer) and the server threads (readers): scalar fields
 * (status, step, groups, cache...) and append-only series (per-step points, epochs, commands, the freeze timeline,
 * gradient norms), each capped so a long run cannot exhaust memory. Every change bumps a version; a {@link Cursor}
 * remembers what one SSE stream has already sent, so updates carry only the new items.
 */
final class DashboardState {
    static final List<String> SERIES = List.of("points", "epochs", "events", "timeline", "grads");
    private static final int MAX_ITEMS = 20_000;

    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Map<String, List<Map<String, Object>>> series = new LinkedHashMap<>();
    // items dropped from the front of each series, so cursors stay absolute
    private final Map<String, Long> dropped = new LinkedHashMap<>();
    private long version;

    /** Per-stream position: the version and the absolute index sent so far in each series. */
    static final class Cursor {
        long version = -1;
        final Map<String, Long> sent = new LinkedHashMap<>();
    }

    DashboardState() {
        for (String s : SERIES) {
            series.put(s, new ArrayList<>());
            dropped.put(s, 0L);
        }
        fields.put("status", "waiting for training");
        fields.put("paused", false);
        fields.put("globalStep", 0L);
        fields.put("epoch", 0);
        fields.put("totalSteps", 0L);
        fields.put("groups", List.of());
        fields.put("policies", List.of());
        fields.put("cache", null);
        fields.put("readOnly", null);
        fields.put("checkpoints", false);
    }

    synchronized void set(String field, Object value) {
        fields.put(field, value);
        version++;
    }

    synchronized Object get(String field) {
        return fields.get(field);
    }

    synchronized void add(String name, Map<String, Object> item) {
        List<Map<String, Object>> l = series.get(name);
        if (l.size() >= MAX_ITEMS) {
            l.subList(0, MAX_ITEMS / 2).clear();
            dropped.merge(name, (long) MAX_ITEMS / 2, Long::sum);
        }
        l.add(item);
        version++;
    }

    synchronized List<Map<String, Object>> items(String name) {
        return List.copyOf(series.get(name));
    }

    /** Everything: what {@code GET /api/state} and an SSE stream's first event carry. */
    synchronized Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>(fields);
        series.forEach((k, v) -> s.put(k, List.copyOf(v)));
        return s;
    }

    /** The fields and the items the cursor has not sent, or null when nothing changed since. */
    synchronized Map<String, Object> delta(Cursor c) {
        if (c.version == version) {
            return null;
        }
        c.version = version;
        Map<String, Object> d = new LinkedHashMap<>(fields);
        series.forEach((k, v) -> {
            long base = dropped.get(k);
            long from = Math.max(c.sent.getOrDefault(k, 0L), base); // trimmed items are gone: send what is left
            d.put(k, List.copyOf(v.subList((int) (from - base), v.size())));
            c.sent.put(k, base + v.size());
        });
        return d;
    }

    /** Marks everything up to now as sent (after the stream's first, full event). */
    synchronized void sync(Cursor c) {
        c.version = version;
        series.forEach((k, v) -> c.sent.put(k, dropped.get(k) + v.size()));
    }
}
