package dev.frost.freeze.cache;

import dev.frost.FrostException;

import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * Boundary activations computed elsewhere (e.g. by {@code frost featurize} on Spark, stored as Parquet), served as
 * the activation cache's rows for the one key they were written for. Core only sees this interface; readers of a
 * storage format register a {@link Reader} with {@link ServiceLoader} (frost-spark reads Parquet).
 */
public interface FeatureSet extends AutoCloseable {

    /** The activation cache key the rows were computed under ({@link ActivationCache#keyOf}). */
    String key();

    /** Rows (examples times views). */
    long rows();

    /** Floats per row. */
    int rowLength();

    /** Where the rows are, for messages. */
    String location();

    /** Streams every row once, in any order; {@code row} is only valid during the call. */
    void forEachRow(RowConsumer consumer);

    @Override
    default void close() {}

    /** One row: its index (example * views + view) and its values. */
    @FunctionalInterface
    interface RowConsumer {
        void accept(int row, float[] values);
    }

    /** Opens feature sets of one storage format. */
    interface Reader {
        /** Whether {@code dir} is in this reader's format. */
        boolean accepts(Path dir);

        FeatureSet open(Path dir);
    }

    /** Opens {@code dir} with the first registered reader that accepts it. */
    static FeatureSet open(Path dir) {
        for (Reader r : ServiceLoader.load(Reader.class)) {
            if (r.accepts(dir)) {
                return r.open(dir);
            }
        }
        throw new FrostException("feature set " + dir + ": no reader on the classpath accepts it (Parquet feature"
                + " sets need the frost-spark module: ./frost spark train ...)");
    }
}
