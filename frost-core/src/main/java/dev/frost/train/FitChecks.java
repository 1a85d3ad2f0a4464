package dev.frost.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.BatchLoader;
import dev.frost.data.Dataset;
import dev.frost.data.LabelKind;
import dev.frost.layers.LayerKind;
import dev.frost.model.FrostModel;
import dev.frost.model.Inference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a trainer checks before it trains: that the data fits the model and the loss, and how many batches it makes. */
final class FitChecks {
    private static final Logger LOG = LoggerFactory.getLogger(FitChecks.class);

    private FitChecks() {}

    /** The data's inputs fit the model, and its labels fit the model's output and the default loss. */
    static void data(FrostModel model, TrainConfig config, Dataset data) {
        Inference.checkInput(model, data);
        if (data.labelKind() == LabelKind.CLASS && data.labelWidth() < 2) {
            throw new FrostException("dataset '" + data.name() + "' has " + data.labelWidth() + " class:"
                    + " classification needs at least 2");
        }
        Shape out = model.outputShape();
        if (out.dimension() != 1 && config.loss() == null) {
            throw new FrostException("the model outputs " + out + " per example, not the one vector the default loss"
                    + " for " + data.labelKind().toString().toLowerCase(java.util.Locale.ROOT) + " labels needs: end"
                    + " the model with a flatten or a global pooling before the head, or give a loss of your own"
                    + " (TrainConfig.optLoss)");
        }
        long outputs = out.get(out.dimension() - 1);
        if (data.labelKind() == LabelKind.CLASS ? data.labelWidth() > outputs : data.labelWidth() != outputs) {
            throw new FrostException("dataset '" + data.name() + "' has " + data.labelWidth() + " "
                    + (data.labelKind() == LabelKind.REGRESSION ? "targets" : "classes") + " but the model outputs "
                    + outputs);
        }
    }

    /** Batches an epoch of {@code train} makes; a last batch of one is dropped when BatchNorm would see it. */
    static int batchesPerEpoch(FrostModel model, TrainConfig config, Dataset train) {
        int n = train.size();
        int bs = config.batchSize();
        int batches = config.dropLast() ? n / bs : BatchLoader.batches(n, bs);
        if (!config.dropLast() && n % bs == 1 && n > 1 && hasBatchNorm(model)) {
            // libtorch refuses BatchNorm statistics of a single example ("more than 1 value per channel")
            LOG.info("dataset '{}': the last batch would hold one example, which BatchNorm cannot normalize;"
                    + " it is skipped each epoch", train.name());
            batches = n / bs;
        }
        if (batches == 0) {
            throw new FrostException("dataset '" + train.name() + "' has " + n + " examples, fewer than one batch of "
                    + bs + " with dropLast: lower the batch size or turn dropLast off");
        }
        return batches;
    }

    /** Layers past the frozen prefix would run without autograd yet keep their optimizer updates. */
    static void prefix(FrostModel model, int prefix) {
        int frozen = model.frozenPrefixLength();
        if (prefix < 0 || prefix > frozen) {
            throw new FrostException("trainStep's prefix is " + prefix + " but the model's frozen prefix is " + frozen
                    + " layers: pass model.frozenPrefixLength() (after model.applyFreezeState())");
        }
    }

    private static boolean hasBatchNorm(FrostModel model) {
        return model.layers().stream().flatMap(l -> l.leaves().stream()).anyMatch(l -> l.kind() == LayerKind.BATCH_NORM);
    }
}
