package dev.frost.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.frost.cli.train.FrozenPrefix;
import dev.frost.engine.FrostEngine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One built prefix per recipe per JVM: the executor's tasks (and, in local mode, the driver) share the model, so
 * libtorch and the weights load once per executor, not once per task. Inference runs without autograd, whose mode
 * is per thread in libtorch, so concurrent tasks may share the model.
 */
final class PrefixPool {
    /** A built prefix and its cache key (hashing the weights once). */
    record Opened(FrozenPrefix prefix, String key) {}

    private static final Map<Recipe, Opened> OPEN = new ConcurrentHashMap<>();
    private static NDManager manager;

    private PrefixPool() {}

    static Opened get(Recipe recipe) {
        // executors started by spark-submit may lack the launcher's flags: never download libtorch at run time
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return OPEN.computeIfAbsent(recipe, r -> {
            FrozenPrefix p = r.open();
            return new Opened(p, p.key());
        });
    }

    /**
     * libtorch intra-op threads for the calling thread. libtorch's CPU build parallelizes with OpenMP, whose thread
     * count is a per-thread setting: a Spark task thread that never sets it uses one OpenMP thread per core, and
     * two such tasks on two cores oversubscribe them. So every task sets it (cheap) on its own thread.
     */
    static void threads(int n) {
        if (n > 0) {
            FrostEngine.get();
            JniUtils.setNumThreads(n);
        }
    }

    /** The JVM's manager that tasks open a sub-manager of per batch (one base manager, not one per batch). */
    static synchronized NDManager manager() {
        if (manager == null || !manager.isOpen()) {
            manager = NDManager.newBaseManager();
        }
        return manager;
    }

    /** Frees every prefix built in this JVM (the driver calls it when it is done). */
    static void closeAll() {
        OPEN.values().forEach(o -> o.prefix().close());
        OPEN.clear();
    }
}
