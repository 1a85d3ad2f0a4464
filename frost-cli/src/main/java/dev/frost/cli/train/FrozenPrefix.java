package dev.frost.cli.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.frost.FrostException;
import dev.frost.data.Dataset;
import dev.frost.freeze.cache.ActivationCache;
import dev.frost.freeze.cache.Precision;
import dev.frost.model.FrostModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code frost train CONFIG} would cache: its training data, its model (base weights loaded) with the first
 * phase's freeze state applied, the frozen prefix length (the cache boundary) and the cache precision. The
 * featurizer (frost-spark) builds this on the driver and on every executor, so both compute the same key as the
 * trainer will.
 */
public record FrozenPrefix(FrostModel model, Dataset data, int boundary, Precision precision)
        implements AutoCloseable {

    /** The config file with defaults and {@code --set} applied, paths made absolute, as YAML (shippable text). */
    public static String resolvedYaml(Path configFile, List<String> sets) {
        ObjectNode tree = ConfigLoader.load(configFile, sets).tree().deepCopy();
        TrainRun.absolutize(tree);
        return ConfigLoader.toYaml(tree);
    }

    /** Builds data, model and freeze state from a resolved config ({@link #resolvedYaml}). */
    public static FrozenPrefix open(String resolvedYaml) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("frost-featurize", ".yaml");
            Files.writeString(tmp, resolvedYaml);
            return open(ConfigLoader.load(tmp, List.of()).spec());
        } catch (IOException e) {
            throw new FrostException("cannot stage the featurize config: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                tmp.toFile().delete();
            }
        }
    }

    static FrozenPrefix open(RunSpec spec) {
        DataSources.Sources sources = DataSources.open(spec);
        Dataset train = sources.train();
        FrostModel model = ModelFactory.build(spec, train.exampleShape(), train.labelWidth(), true,
                Scaling.of(spec, train));
        try {
            Strategies.phases(spec, model).get(0).setup().accept(model);
            model.applyFreezeState();
            int boundary = model.frozenPrefixLength();
            if (boundary == 0 || boundary >= model.layers().size()) {
                throw new FrostException("strategy." + spec.strategy().type() + ": the first phase freezes "
                        + (boundary == 0 ? "nothing" : "every layer") + ", so there is no frozen prefix to featurize");
            }
            String why = ActivationCache.refusal(model, boundary, false);
            if (why != null) {
                throw new FrostException("the frozen prefix cannot be featurized: " + why);
            }
            Precision p = Strategies.enumOf(Precision.class, "strategy.cache.precision",
                    spec.strategy().cache().precision());
            return new FrozenPrefix(model, train, boundary, p);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The activation cache key of this prefix and data (one view: no augmentation). */
    public String key() {
        return ActivationCache.keyOf(model, data, boundary, precision, 1);
    }

    @Override
    public void close() {
        model.close();
    }
}
