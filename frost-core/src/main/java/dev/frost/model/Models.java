package dev.frost.model;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;

import java.util.ArrayList;
import java.util.List;

/** Ready-made architectures, each split into layer groups the way fastai's splitters would. */
public final class Models {
    private Models() {}

    /**
     * A multilayer perceptron: one group per hidden Linear+ReLU ({@code fc1}..), then a {@code head} group.
     * {@code mlp(784, new int[]{1024, 1024, 1024}, 10, seed)} is the benchmark's model.
     */
    public static FrostModel mlp(int inputs, int[] hidden, int classes, long seed) {
        if (inputs <= 0 || classes <= 0) {
            throw new FrostException("mlp needs positive inputs and classes, got " + inputs + " and " + classes);
        }
        FrostModel.Builder b = FrostModel.builder(new Shape(inputs)).optSeed(seed);
        for (int i = 0; i < hidden.length; i++) {
            b.addGroup("fc" + (i + 1), Layers.linear("fc" + (i + 1), hidden[i]), Layers.relu("relu" + (i + 1)));
        }
        b.addGroup("head", Layers.linear("out", classes));
        return b.build();
    }

    /**
     * A small BatchNorm CNN for 1x28x28 images: three conv blocks (conv 3x3, BatchNorm, ReLU, pooling) with
     * {@code channels[i]} filters, global average pooling, then a Linear head. Groups: block1, block2, block3, head.
     */
    public static FrostModel cnn(int[] channels, int classes, long seed) {
        return cnnBuilder(new Shape(1, 28, 28), channels, classes).optSeed(seed).build();
    }

    /** The default CNN: channels 32, 64, 128. */
    public static FrostModel cnn(int classes, long seed) {
        return cnn(new int[] {32, 64, 128}, classes, seed);
    }

    static FrostModel.Builder cnnBuilder(Shape input, int[] channels, int classes) {
        if (channels.length == 0) {
            throw new FrostException("cnn needs at least one conv block");
        }
        FrostModel.Builder b = FrostModel.builder(input);
        for (int i = 0; i < channels.length; i++) {
            int n = i + 1;
            List<Layer> block = new ArrayList<>(List.of(
                    Layers.conv2d("conv" + n, channels[i], 3, 1, 1),
                    Layers.batchNorm("bn" + n),
                    Layers.relu("relu" + n)));
            block.add(i < channels.length - 1 ? Layers.maxPool("pool" + n, 2, 2) : Layers.globalAvgPool("gap"));
            b.addGroup("block" + n, block);
        }
        b.addGroup("head", Layers.linear("fc", classes));
        return b;
    }
}
