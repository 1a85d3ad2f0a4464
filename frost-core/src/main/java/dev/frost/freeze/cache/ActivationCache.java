package dev.frost.freeze.cache;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.frost.data.Dataset;
import dev.frost.data.HostBatch;
import dev.frost.data.Augmentation;
import dev.frost.freeze.norm.NormalizationSwitch;
import dev.frost.layers.Layer;
import dev.frost.layers.LayerKind;
import dev.frost.model.FrostModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Switch 4: the activations at the freeze boundary, computed once per example (and augmented view) and reused.
 *
 * <p>Entries are keyed by the frozen prefix's structure and weights, the dataset's fingerprint, the boundary, the
 * precision and the number of views, so a changed key never serves stale rows. Weights are hashed again when an
 * epoch starts ({@link #newEpoch()}) and whenever the model's freeze state changes (a prefix unfrozen, trained and
 * frozen again within one epoch gets a new key): between those points a frozen prefix cannot change through
 * training. The weight hash is a content hash (CRC-32C of the bytes, by parameter name), the same in every process.
 * When the boundary moves deeper, missing rows of the new boundary are computed from rows cached at the old one,
 * running only the newly frozen layers. Entries of other boundaries are kept (a later re-freeze reuses them); when
 * the heap budget needs room, entries whose weights no longer match are dropped first, others only if that lets
 * the new entry stay on the heap, and an entry that cannot fit spills to a file without evicting anything.
 */
public final class ActivationCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ActivationCache.class);

    /** Counters of what the cache did. */
    public record Stats(long hits, long misses, double buildSeconds, long bytes, String tier) {
        /** Counters of two runs together (bytes: the larger; tier: the other run's when this one had none). */
        public Stats plus(Stats o) {
            return new Stats(hits + o.hits, misses + o.misses, buildSeconds + o.buildSeconds,
                    Math.max(bytes, o.bytes), "none".equals(o.tier) ? tier : o.tier);
        }
    }

    private record Entry(String key, int boundary, long dataId, int views, Shape rowShape, RowStore store) {}

    private final CacheConfig config;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<Layer, Long> layerHashes = new HashMap<>();
    private Object freezeSignature;
    private long hits;
    private long misses;
    private long buildNanos;
    private long lastComputed;
    private long lastComputedFlops;
    private String lastTier = "none";

    public ActivationCache(CacheConfig config) {
        this.config = config;
    }

    /**
     * Why the prefix {@code [0, boundary)} cannot be cached, or null when it can. A prefix is cacheable when each of
     * its layers, sub-layers of composites included, is deterministic in the mode it runs in.
     */
    public static String refusal(FrostModel model, int boundary, boolean freshAugmentation) {
        if (boundary == 0) {
            return null;
        }
        for (int i = 0; i < boundary; i++) {
            for (Map.Entry<String, Layer> e : model.layers().get(i).tree().entrySet()) {
                Layer l = e.getValue();
                boolean live = !l.isComposite() && NormalizationSwitch.layerTraining(l, true, model.isTrainBn());
                if (live && l.kind() == LayerKind.BATCH_NORM) {
                    return "BatchNorm '" + e.getKey() + "' in the frozen prefix is live (trainBn), so its output"
                            + " changes every step";
                }
                if (live && l.kind() == LayerKind.DROPOUT) {
                    return "dropout '" + e.getKey() + "' in the frozen prefix is active; freeze it to run it in"
                            + " inference mode";
                }
                if (live && l.kind() == LayerKind.CUSTOM && !l.isDeterministic()) { // it could be random
                    return "custom layer '" + e.getKey() + "' in the frozen prefix runs in training mode (it has no"
                            + " trainable parameters but is not frozen); freeze it to run it in inference mode, or"
                            + " declare it free of randomness (Layer.markDeterministic())";
                }
            }
        }
        if (freshAugmentation) {
            return "random augmentation makes the frozen prefix's output differ every epoch; opt in to a fixed"
                    + " number of augmented views to cache them (TrainConfig.optAugmentation(aug, views))";
        }
        return null;
    }

    /** Re-hash prefix weights before they are next used (called when an epoch starts). */
    public void newEpoch() {
        layerHashes.clear();
    }

    /**
     * Hashes are kept only while the freeze state they were taken under holds. The trainer reports the state at
     * every step, also when the cache serves nothing (a prefix unfrozen, trained, then frozen again as before must
     * still be re-hashed).
     */
    public void noteFreezeState(FrostModel model) {
        Object now = java.util.List.of(model.frozenPaths(), model.isTrainBn());
        if (!now.equals(freezeSignature)) {
            layerHashes.clear();
            freezeSignature = now;
        }
    }

    /**
     * Activations after layer {@code boundary - 1} for examples {@code indices}, created in {@code manager}.
     * Rows missing from the cache are computed (from a shallower cached boundary when one has them) and stored.
     *
     * @param view         augmented view, in {@code [0, views)}
     * @param views        fixed augmented views per example (1 without augmentation)
     * @param augmentation null, or the augmentation that view {@code view} is drawn with
     * @param augSeed      seed of that view's augmentation
     */
    public NDArray activations(FrostModel model, Dataset data, int[] indices, int boundary,
                               int view, int views, Augmentation augmentation, long augSeed, NDManager manager) {
        noteFreezeState(model);
        Entry e = entry(model, data, boundary, views);
        int n = indices.length;
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!e.store().has(indices[i] * views + view)) {
                missing.add(i);
            }
        }
        lastComputed = missing.size();
        lastComputedFlops = 0;
        hits += n - missing.size();
        misses += missing.size();
        if (!missing.isEmpty()) {
            long t0 = System.nanoTime();
            fill(model, data, indices, missing, e, view, views, augmentation, augSeed, manager);
            buildNanos += System.nanoTime() - t0;
            if (e.store().complete()) {
                e.store().seal();
            }
        }
        int len = Math.toIntExact(e.rowShape().size());
        float[] buf = new float[n * len];
        for (int i = 0; i < n; i++) {
            e.store().get(indices[i] * views + view, buf, i * len);
        }
        return manager.create(buf, new Shape(n).addAll(e.rowShape()));
    }

    /** Examples whose prefix the last {@link #activations} call had to compute. */
    public long lastComputed() {
        return lastComputed;
    }

    /** Forward FLOPs the last {@link #activations} call executed to fill missing rows. */
    public long lastComputedFlops() {
        return lastComputedFlops;
    }

    public Stats stats() {
        long bytes = entries.values().stream().mapToLong(x -> x.store().bytes()).sum();
        return new Stats(hits, misses, buildNanos / 1e9, bytes, lastTier);
    }

    /**
     * Computes and stores the missing rows. Each row starts from the deepest cached boundary that still matches the
     * current prefix and holds it, so moving the boundary deeper runs only the newly frozen layers.
     */
    private void fill(FrostModel model, Dataset data, int[] order, List<Integer> missing, Entry e, int view,
                      int views, Augmentation augmentation, long augSeed, NDManager manager) {
        List<Entry> sources = validShallower(model, data, e);
        Map<Entry, List<Integer>> bySource = new LinkedHashMap<>();
        List<Integer> fromRaw = new ArrayList<>();
        for (int i : missing) {
            int example = order[i];
            Entry best = null;
            for (Entry c : sources) {
                if (c.store().has(example * views + view) && (best == null || c.boundary() > best.boundary())) {
                    best = c;
                }
            }
            if (best == null) {
                fromRaw.add(example);
            } else {
                bySource.computeIfAbsent(best, k -> new ArrayList<>()).add(example);
            }
        }
        lastComputedFlops = 0;
        int len = Math.toIntExact(e.rowShape().size());
        try (NDManager m = manager.newSubManager()) {
            for (Map.Entry<Entry, List<Integer>> g : bySource.entrySet()) {
                Entry src = g.getKey();
                int[] idx = g.getValue().stream().mapToInt(Integer::intValue).toArray();
                int srcLen = Math.toIntExact(src.rowShape().size());
                float[] buf = new float[idx.length * srcLen];
                for (int i = 0; i < idx.length; i++) {
                    src.store().get(idx[i] * views + view, buf, i * srcLen);
                }
                NDArray h = m.create(buf, new Shape(idx.length).addAll(src.rowShape()));
                var side = data.sideInputShapes().isEmpty() ? java.util.Map.<String, NDArray>of()
                        : HostBatch.read(data, idx, null, 0).sideInputs(m);
                store(e, idx, view, views, model.runFrozen(h, side, src.boundary(), e.boundary()), len);
                lastComputedFlops += idx.length * model.forwardFlops(src.boundary(), e.boundary());
            }
            if (!fromRaw.isEmpty()) {
                int[] idx = fromRaw.stream().mapToInt(Integer::intValue).toArray();
                var batch = HostBatch.read(data, idx, augmentation, augSeed).toEngine(m);
                store(e, idx, view, views, model.runFrozen(batch.features(), batch.sideInputs(), 0, e.boundary()),
                        len);
                lastComputedFlops += idx.length * model.forwardFlops(0, e.boundary());
            }
        }
    }

    private static void store(Entry e, int[] examples, int view, int views, NDArray out, int len) {
        float[] rows = out.toFloatArray();
        for (int i = 0; i < examples.length; i++) {
            e.store().put(examples[i] * views + view, rows, i * len);
        }
    }


    /** Cached shallower boundaries of the same data and views whose prefix still matches the model. */
    private List<Entry> validShallower(FrostModel model, Dataset data, Entry target) {
        List<Entry> out = new ArrayList<>();
        for (Entry c : entries.values()) {
            if (c.dataId() == target.dataId() && c.views() == target.views() && c.boundary() < target.boundary()
                    && c.key().equals(key(model, data, c.boundary(), c.views()))) {
                out.add(c);
            }
        }
        return out;
    }

    private Entry entry(FrostModel model, Dataset data, int boundary, int views) {
        String key = key(model, data, boundary, views);
        Entry e = entries.get(key);
        if (e != null) {
            return e;
        }
        Shape rowShape = model.layers().get(boundary - 1).outputShape();
        int rows = data.size() * views;
        long bytes = rows * rowShape.size() * config.precision().bytes();
        long budget = config.effectiveMemoryBudget();
        dropStale(model, data);
        long used = heapBytes();
        if (used + bytes > budget && bytes <= budget) {
            // evict other boundaries' heap entries, oldest first, only when that lets this entry stay on the heap
            var it = entries.values().iterator();
            while (used + bytes > budget && it.hasNext()) {
                Entry old = it.next();
                if (!old.store().onDisk()) {
                    used -= old.store().bytes();
                    old.store().close(config.keepSpillFiles());
                    it.remove();
                }
            }
        }
        RowStore store;
        if (bytes <= budget - used) {
            store = RowStore.heap(rows, Math.toIntExact(rowShape.size()), config.precision());
            lastTier = "memory";
        } else {
            String id = Long.toHexString(hash64(key));
            store = RowStore.mapped(config.spillDir().resolve("frost-cache-" + id + ".bin"), key, rows,
                    Math.toIntExact(rowShape.size()), config.precision(), LOG::warn);
            lastTier = "disk";
        }
        LOG.info(String.format(Locale.ROOT, "activation cache: %s after layer '%s', %d rows of %s, %s, %.1f MB %s"
                        + " (memory budget %.1f MB)", data.name(), model.layers().get(boundary - 1).name(), rows,
                rowShape, config.precision().name().toLowerCase(Locale.ROOT), bytes / 1e6,
                store.onDisk() ? "in " + store.file() : "in memory", budget / 1e6));
        e = new Entry(key, boundary, data.fingerprint(), views, rowShape, store);
        entries.put(key, e);
        if (config.features() != null) {
            FeatureFill.fill(config.features(), key, boundary, data.name(), store, rows, LOG);
        }
        return e;
    }

    private long heapBytes() {
        return entries.values().stream().filter(x -> !x.store().onDisk()).mapToLong(x -> x.store().bytes()).sum();
    }

    /** Drops entries whose prefix weights no longer match the model: they can never be served again. */
    private void dropStale(FrostModel model, Dataset data) {
        var it = entries.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (e.dataId() == data.fingerprint() && e.boundary() <= model.layers().size()
                    && !e.key().equals(key(model, data, e.boundary(), e.views()))) {
                e.store().close(false);
                it.remove();
            }
        }
    }

    /** The key: prefix structure and weights, data identity, boundary, precision, views. */
    String key(FrostModel model, Dataset data, int boundary, int views) {
        return key(model, data, boundary, config.precision(), views,
                l -> layerHashes.computeIfAbsent(l, ActivationCache::hashWeights));
    }

    /**
     * The key under which this cache stores the rows of {@code [0, boundary)} for {@code data}: prefix structure
     * and weight hash, data name and fingerprint, boundary, precision, views. A feature set computed elsewhere is
     * served only for this exact key.
     */
    public static String keyOf(FrostModel model, Dataset data, int boundary, Precision precision, int views) {
        return key(model, data, boundary, precision, views, ActivationCache::hashWeights);
    }

    private static String key(FrostModel model, Dataset data, int boundary, Precision precision, int views,
                              java.util.function.ToLongFunction<Layer> hasher) {
        StringBuilder sb = new StringBuilder();
        long weights = 17;
        for (int i = 0; i < boundary; i++) {
            Layer l = model.layers().get(i);
            sb.append(l.name()).append(':').append(l.kind()).append(l.outputShape());
            for (Layer leaf : l.leaves()) { // what the parameter-free layers compute is in no weight hash
                sb.append('[').append(leaf.signature()).append(']');
            }
            sb.append(';');
            weights = weights * 31 + hasher.applyAsLong(l);
        }
        sb.append("|weights=").append(Long.toHexString(weights));
        sb.append("|data=").append(data.name()).append('#').append(Long.toHexString(data.fingerprint()));
        sb.append("|boundary=").append(boundary).append("|precision=").append(precision);
        sb.append("|views=").append(views);
        return sb.toString();
    }

    /** The first part of two keys that differs (prefix, weights, data, boundary, precision, views), or null. */
    public static String keyDifference(String expected, String actual) {
        String[] a = expected.split("\\|");
        String[] b = actual.split("\\|");
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "";
            String y = i < b.length ? b[i] : "";
            if (!x.equals(y)) {
                String what = i == 0 ? "prefix structure" : x.contains("=") ? x.substring(0, x.indexOf('=')) : "key";
                return what + " (" + abbreviate(x) + " vs " + abbreviate(y) + ")";
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static long hashWeights(Layer layer) {
        CRC32C crc = new CRC32C();
        long h = 0;
        for (Map.Entry<String, Parameter> p : layer.allParameters().entrySet()) {
            crc.reset();
            crc.update(p.getValue().getArray().toByteArray());
            h = h * 1_000_003L + crc.getValue() + p.getKey().hashCode();
        }
        return h;
    }

    private static long hash64(String s) {
        long h = 1125899906842597L;
        for (int i = 0; i < s.length(); i++) {
            h = 31 * h + s.charAt(i);
        }
        return h;
    }

    /** Frees the rows; spill files are removed unless the config keeps them. */
    @Override
    public void close() {
        entries.values().forEach(e -> e.store().close(config.keepSpillFiles()));
        entries.clear();
    }
}
