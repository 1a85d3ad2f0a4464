package dev.frost.spark;

import dev.frost.cli.train.FrozenPrefix;
import dev.frost.data.ArrayDataset;
import dev.frost.examples.FashionMnist;
import dev.frost.freeze.cache.Precision;
import dev.frost.io.ClasspathCheckpoints;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;

import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * The measurement's prefix: the embedded pretrained Fashion-MNIST CNN ({@code /frost/base/fashion-cnn}) with every
 * group but the head frozen, over the first {@code limit} training images of {@code dir} (0: all 60,000).
 */
public record FashionRecipe(String dir, int limit) implements Recipe {
    @Override
    public FrozenPrefix open() {
        ArrayDataset all = FashionMnist.train(Path.of(dir));
        ArrayDataset data = limit <= 0 || limit >= all.size() ? all
                : all.subset(all.name() + "[:" + limit + "]", IntStream.range(0, limit).toArray());
        FrostModel model = Models.cnn(10, 42);
        try {
            ClasspathCheckpoints.loadModel(FashionMnist.class, "/frost/base/fashion-cnn", model);
            model.freeze(); // every group but the head, as feature extraction trains it
            model.applyFreezeState();
            return new FrozenPrefix(model, data, model.frozenPrefixLength(), Precision.FLOAT32);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }
}
