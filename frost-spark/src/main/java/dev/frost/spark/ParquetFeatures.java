package dev.frost.spark;

import dev.frost.FrostException;
import dev.frost.freeze.cache.FeatureSet;
import dev.frost.freeze.cache.Precision;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A feature set written by {@link Featurizer}, read file by file and row by row with parquet-hadoop (no Spark
 * session, nothing held but the current row group), so the cache streams it into its heap or spill-file store.
 */
public final class ParquetFeatures implements FeatureSet {
    private final Path dir;
    private final FeatureManifest manifest;

    private ParquetFeatures(Path dir, FeatureManifest manifest) {
        this.dir = dir;
        this.manifest = manifest;
    }

    /** The complete feature set in {@code dir}. */
    public static ParquetFeatures open(Path dir) {
        FeatureManifest m = FeatureManifest.read(dir);
        if (m == null) {
            throw new FrostException("feature set " + dir + " has no " + FeatureManifest.FILE
                    + " (not written by frost featurize, or unfinished: run it again)");
        }
        return new ParquetFeatures(dir, m);
    }

    public FeatureManifest manifest() {
        return manifest;
    }

    @Override
    public String key() {
        return manifest.key();
    }

    @Override
    public long rows() {
        return manifest.rows();
    }

    @Override
    public int rowLength() {
        return manifest.rowLength();
    }

    @Override
    public String location() {
        return dir.toString();
    }

    @Override
    public void forEachRow(RowConsumer consumer) {
        Precision precision = Precision.valueOf(manifest.precision());
        float[] row = new float[rowLength()];
        Configuration conf = new Configuration();
        for (Path file : files()) {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(file.toUri())).withConf(conf).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    byte[] b = g.getBinary("activations", 0).getBytes();
                    if (b.length != row.length * precision.bytes()) {
                        throw new FrostException(file + ": a row of " + b.length + " bytes, expected "
                                + row.length * precision.bytes());
                    }
                    precision.decode(b, row);
                    consumer.accept(Math.toIntExact(g.getLong("id", 0)), row);
                }
            } catch (IOException e) {
                throw new FrostException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** The committed Parquet files of every shard. */
    List<Path> files() {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".parquet")
                            && f.getParent().getFileName().toString().startsWith("shard="))
                    .sorted().toList();
        } catch (IOException e) {
            throw new FrostException("cannot list feature set " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Registered with {@link java.util.ServiceLoader}: accepts folders with a Frost feature manifest. */
    public static final class Reader implements FeatureSet.Reader {
        @Override
        public boolean accepts(Path dir) {
            return Files.isRegularFile(dir.resolve(FeatureManifest.FILE));
        }

        @Override
        public FeatureSet open(Path dir) {
            return ParquetFeatures.open(dir);
        }
    }
}
