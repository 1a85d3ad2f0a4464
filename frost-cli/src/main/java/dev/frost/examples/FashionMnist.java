package dev.frost.examples;

import dev.frost.data.ArrayDataset;
import dev.frost.data.IdxReader;
import java.nio.file.Path;

/** Fashion-MNIST from the IDX files that {@code scripts/fetch-data.sh} extracts from Debian's package. */
public final class FashionMnist {
    public static final String FETCH = "run scripts/fetch-data.sh to fetch it (Debian package dataset-fashion-mnist)";
    public static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
        "Sneaker", "Bag", "Ankle boot"};

    private FashionMnist() {}

    /** The default folder: {@code $FROST_DATA_DIR/fashion-mnist}, else {@code data/fashion-mnist}. */
    public static Path defaultDir() {
        String env = System.getenv("FROST_DATA_DIR");
        return Path.of(env != null ? env : "data").resolve("fashion-mnist");
    }

    /** 60,000 training images. */
    public static ArrayDataset train(Path dir) {
        return IdxReader.read("fashion-mnist-train", dir.resolve("train-images-idx3-ubyte.gz"),
                dir.resolve("train-labels-idx1-ubyte.gz"), 10, FETCH);
    }

    /** 10,000 test images. */
    public static ArrayDataset test(Path dir) {
        return IdxReader.read("fashion-mnist-test", dir.resolve("t10k-images-idx3-ubyte.gz"),
                dir.resolve("t10k-labels-idx1-ubyte.gz"), 10, FETCH);
    }
}
