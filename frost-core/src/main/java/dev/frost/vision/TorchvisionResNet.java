package dev.frost.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.layers.Layers;
import dev.frost.model.FrostModel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * torchvision's ResNet-18/34/50 ({@code torchvision.models.resnet}, v1.5: a Bottleneck strides on its 3x3 conv) as a
 * {@link FrostModel}, with layer names chosen so that a Frost tensor path is torchvision's state-dict name up to the
 * parameter's own name ({@link #torchvisionName}): {@code layer1.0.conv1.weight},
 * {@code layer2.0.downsample.0.weight}, {@code bn1.gamma} for {@code bn1.weight}, {@code bn1.runningMean} for
 * {@code bn1.running_mean}. Groups: {@code stem} (conv1, bn1, relu, maxpool), {@code layer1}..{@code layer4} (one
 * layer each, of blocks {@code 0}, {@code 1}, ...) and {@code head} (avgpool, fc), so {@code freezeTo} works per
 * stage. Weights come from a safetensors state dict ({@link TorchvisionWeights#load}).
 *
 * <pre>{@code
 * FrostModel r18 = TorchvisionResNet.build(TorchvisionResNet.Depth.RESNET18, new Shape(3, 224, 224), 1000, 42);
 * TorchvisionWeights.load(r18, Path.of("resnet18.safetensors"));
 * }</pre>
 */
public final class TorchvisionResNet {
    private TorchvisionResNet() {}

    /** The three depths, with torchvision's blocks per stage and block type. */
    public enum Depth {
        RESNET18(false, 2, 2, 2, 2),
        RESNET34(false, 3, 4, 6, 3),
        RESNET50(true, 3, 4, 6, 3);

        private final boolean bottleneck;
        private final int[] blocks;

        Depth(boolean bottleneck, int... blocks) {
            this.bottleneck = bottleneck;
            this.blocks = blocks;
        }

        /** {@code resnet18}, {@code resnet34} or {@code resnet50} (torchvision's function names). */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The depth for {@code resnet18}/{@code 34}/{@code 50}; a one-line error lists the known ones. */
        public static Depth of(String id) {
            for (Depth d : values()) {
                if (d.id().equals(id)) {
                    return d;
                }
            }
            throw new FrostException("unknown torchvision ResNet '" + id + "' (known: resnet18, resnet34, resnet50)");
        }
    }

    /**
     * torchvision's {@code resnet18/34/50(num_classes=classes)} for per-example inputs of {@code input}
     * ({@code C x H x W}; torchvision's weights need C = 3); {@code seed} initializes what the import does not fill.
     */
    public static FrostModel build(Depth depth, Shape input, int classes, long seed) {
        if (input.dimension() != 3 || classes <= 0) {
            throw new FrostException("torchvision " + depth.id() + " needs a C x H x W input and positive classes,"
                    + " got " + input + " and " + classes);
        }
        FrostModel.Builder b = FrostModel.builder(input).optSeed(seed);
        b.addGroup("stem", Layers.conv2d("conv1", 64, 7, 2, 3, false), Layers.batchNorm("bn1"),
                Layers.relu("relu"), Layers.maxPool("maxpool", 3, 2, 1));
        int expansion = depth.bottleneck ? 4 : 1;
        int inplanes = 64;
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            List<Layer> blocks = new ArrayList<>();
            for (int k = 0; k < depth.blocks[s]; k++) {
                int stride = s > 0 && k == 0 ? 2 : 1;
                boolean downsample = stride != 1 || inplanes != planes * expansion;
                blocks.add(depth.bottleneck ? bottleneck(String.valueOf(k), planes, stride, downsample)
                        : basicBlock(String.valueOf(k), planes, stride, downsample));
                inplanes = planes * expansion;
            }
            String stage = "layer" + (s + 1);
            b.addGroup(stage, Layers.sequential(stage, blocks));
        }
        b.addGroup("head", Layers.globalAvgPool("avgpool"), Layers.linear("fc", classes));
        return b.build();
    }

    /** torchvision's BasicBlock: conv3x3-bn-relu-conv3x3-bn, plus the (downsampled) input, then relu. */
    private static Layer basicBlock(String name, int planes, int stride, boolean downsample) {
        List<Layer> body = List.of(
                Layers.conv2d("conv1", planes, 3, stride, 1, false), Layers.batchNorm("bn1"), Layers.relu("relu1"),
                Layers.conv2d("conv2", planes, 3, 1, 1, false), Layers.batchNorm("bn2"));
        return block(name, body, planes, stride, downsample);
    }

    /** torchvision's Bottleneck (v1.5): conv1x1-bn-relu-conv3x3(stride)-bn-relu-conv1x1(4x)-bn, add, relu. */
    private static Layer bottleneck(String name, int planes, int stride, boolean downsample) {
        List<Layer> body = List.of(
                Layers.conv2d("conv1", planes, 1, 1, 0, false), Layers.batchNorm("bn1"), Layers.relu("relu1"),
                Layers.conv2d("conv2", planes, 3, stride, 1, false), Layers.batchNorm("bn2"), Layers.relu("relu2"),
                Layers.conv2d("conv3", planes * 4, 1, 1, 0, false), Layers.batchNorm("bn3"));
        return block(name, body, planes * 4, stride, downsample);
    }

    /**
     * The body's layers as direct sub-layers (not under a {@code body} sub-layer as {@link Layers#residual} puts
     * them) so the paths are torchvision's; torchvision reuses one ReLU module, Frost gives each use its own layer
     * ({@code relu1}, {@code relu2}, then {@code relu} after the add) since a layer has one input shape.
     */
    private static Layer block(String name, List<Layer> body, int out, int stride, boolean downsample) {
        List<Layer> children = new ArrayList<>(body);
        if (downsample) {
            children.add(Layers.sequential("downsample", Layers.conv2d("0", out, 1, stride, 0, false),
                    Layers.batchNorm("1")));
        }
        children.add(Layers.relu("relu"));
        List<String> order = body.stream().map(Layer::name).toList();
        return Layers.composite(name, children, (x, c) -> {
            NDArray h = x;
            for (String child : order) {
                h = c.run(child, h);
            }
            NDArray identity = downsample ? c.run("downsample", x) : x;
            return c.run("relu", h.add(identity));
        }, l -> l.outputShape().size());
    }

    /**
     * torchvision's state-dict name for a Frost tensor path of this model: BatchNorm's {@code gamma}, {@code beta},
     * {@code runningMean} and {@code runningVar} are {@code weight}, {@code bias}, {@code running_mean} and
     * {@code running_var}; every other path is the same.
     */
    public static String torchvisionName(String frostPath) {
        int dot = frostPath.lastIndexOf('.');
        String owner = frostPath.substring(0, dot + 1);
        return owner + switch (frostPath.substring(dot + 1)) {
            case "gamma" -> "weight";
            case "beta" -> "bias";
            case "runningMean" -> "running_mean";
            case "runningVar" -> "running_var";
            default -> frostPath.substring(dot + 1);
        };
    }
}
