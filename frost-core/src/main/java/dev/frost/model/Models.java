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
        return mlp(inputs, hidden, classes, seed, null, null);
    }

    /**
     * The MLP with an optional parameter-free layer before the first Linear (in the first group, e.g. input
     * standardization) and after the output (in the head, e.g. mapping standardized regression outputs back to
     * the targets' units).
     */
    public static FrostModel mlp(int inputs, int[] hidden, int outputs, long seed, Layer input, Layer output) {
        if (inputs <= 0 || outputs <= 0) {
            throw new FrostException("mlp needs positive inputs and classes, got " + inputs + " and " + outputs);
        }
        FrostModel.Builder b = FrostModel.builder(new Shape(inputs)).optSeed(seed);
        List<Layer> pending = new ArrayList<>();
        if (input != null) {
            pending.add(input);
        }
        for (int i = 0; i < hidden.length; i++) {
            pending.add(Layers.linear("fc" + (i + 1), hidden[i]));
            pending.add(Layers.relu("relu" + (i + 1)));
            b.addGroup("fc" + (i + 1), List.copyOf(pending));
            pending.clear();
        }
        pending.add(Layers.linear("out", outputs));
        if (output != null) {
            pending.add(output);
        }
        b.addGroup("head", pending);
        return b.build();
    }

    /**
     * A small BatchNorm CNN for 1x28x28 images: three conv blocks (conv 3x3, BatchNorm, ReLU, pooling) with
     * {@code channels[i]} filters, global average pooling, then a Linear head. Groups: block1, block2, block3, head.
     */
    public static FrostModel cnn(int[] channels, int classes, long seed) {
        return cnnBuilder(new Shape(1, 28, 28), channels, classes).optSeed(seed).build();
    }

    /** The same CNN for images of any {@code C x H x W} (global average pooling makes the head size-independent). */
    public static FrostModel cnn(Shape input, int[] channels, int classes, long seed) {
        if (input.dimension() != 3 || classes <= 0) {
            throw new FrostException("cnn needs a C x H x W input and positive classes, got " + input + " and "
                    + classes);
        }
        return cnnBuilder(input, channels, classes).optSeed(seed).build();
    }

    /** The default CNN: channels 32, 64, 128. */
    public static FrostModel cnn(int classes, long seed) {
        return cnn(new int[] {32, 64, 128}, classes, seed);
    }

    /**
     * A small ResNet for images of any {@code C x H x W}: a stem (conv 3x3, BatchNorm, ReLU), then one stage per
     * entry of {@code channels}, each of {@code blocksPerStage} basic residual blocks (two conv 3x3 with BatchNorm;
     * the first block of every stage after the first halves the resolution, and a block that changes the shape gets
     * a projection shortcut: conv 1x1 and BatchNorm), global average pooling and a Linear head. Groups: stem,
     * stage1..stageN, head. Blocks are named {@code res<stage>_<block>}, e.g. {@code res2_1.shortcut.conv.weight}.
     */
    public static FrostModel resnet(Shape input, int[] channels, int blocksPerStage, int classes, long seed) {
        if (channels.length == 0 || blocksPerStage <= 0 || classes <= 0 || input.dimension() != 3) {
            throw new FrostException("resnet needs a C x H x W input, at least one stage, positive blocks per stage"
                    + " and classes; got input " + input + ", " + channels.length + " stages, " + blocksPerStage
                    + " blocks per stage, " + classes + " classes");
        }
        FrostModel.Builder b = FrostModel.builder(input).optSeed(seed);
        b.addGroup("stem", Layers.conv2d("stem_conv", channels[0], 3, 1, 1), Layers.batchNorm("stem_bn"),
                Layers.relu("stem_relu"));
        long in = channels[0];
        for (int s = 0; s < channels.length; s++) {
            List<Layer> stage = new ArrayList<>();
            for (int k = 0; k < blocksPerStage; k++) {
                int stride = s > 0 && k == 0 ? 2 : 1;
                stage.add(basicBlock("res" + (s + 1) + "_" + (k + 1), in, channels[s], stride));
                in = channels[s];
            }
            b.addGroup("stage" + (s + 1), stage);
        }
        b.addGroup("head", Layers.globalAvgPool("gap"), Layers.linear("fc", classes));
        return b.build();
    }

    /** The default ResNet for 1x28x28 images: channels 16, 32, 64, one block per stage. */
    public static FrostModel resnet(int classes, long seed) {
        return resnet(new Shape(1, 28, 28), new int[] {16, 32, 64}, 1, classes, seed);
    }

    private static Layer basicBlock(String name, long in, int out, int stride) {
        List<Layer> body = List.of(
                Layers.conv2d("conv1", out, 3, stride, 1), Layers.batchNorm("bn1"), Layers.relu("relu1"),
                Layers.conv2d("conv2", out, 3, 1, 1), Layers.batchNorm("bn2"));
        Layer shortcut = stride == 1 && in == out ? null
                : Layers.sequential("shortcut", Layers.conv2d("conv", out, 1, stride, 0), Layers.batchNorm("bn"));
        return Layers.residual(name, body, shortcut, Layers.relu("relu"));
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
