package dev.frost.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.frost.FrostException;
import org.slf4j.LoggerFactory;

/** Loads the PyTorch engine once, offline, and turns a failure into one actionable line. */
public final class FrostEngine {
    private static volatile Engine engine;

    private FrostEngine() {}

    /** The PyTorch engine; loads libtorch from the bundled native jar on first use. */
    public static Engine get() {
        Engine e = engine;
        if (e != null) {
            return e;
        }
        synchronized (FrostEngine.class) {
            if (engine == null) {
                if (System.getProperty("ai.djl.offline") == null) {
                    // Nothing may be downloaded at run time: the native jar on the classpath is the only source.
                    System.setProperty("ai.djl.offline", "true");
                }
                if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
                    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
                }
                OneDnnIsa.advice().ifPresent(a -> LoggerFactory.getLogger(FrostEngine.class).warn(a));
                try {
                    engine = Engine.getEngine("PyTorch");
                } catch (RuntimeException | UnsatisfiedLinkError err) {
                    throw new FrostException("cannot load the libtorch native library (" + firstLine(err)
                            + "): put ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64 on the classpath"
                            + " (./frost does), run offline with -Dai.djl.offline=true, and delete "
                            + cacheDir() + " if its extracted files are damaged", err);
                }
            }
            return engine;
        }
    }

    /** A fresh root manager on the CPU. */
    public static NDManager newManager() {
        return get().newBaseManager();
    }

    /** Seeds libtorch's generator (dropout, initializers); Frost reseeds per step so that runs resume exactly. */
    public static void seed(long seed) {
        get().setRandomSeed((int) (seed ^ (seed >>> 32)));
    }

    private static String cacheDir() {
        String dir = System.getenv("DJL_CACHE_DIR");
        return dir != null ? dir : System.getProperty("user.home") + "/.djl.ai";
    }

    private static String firstLine(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(root.getMessage());
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }
}
