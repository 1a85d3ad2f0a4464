package dev.frost.text.onnx;

import dev.frost.text.bert.Bert;
import dev.frost.model.Snapshots;
import dev.frost.data.ArrayDataset;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.text.TextDatasets;
import dev.frost.text.WordPieceTokenizer;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MiniLmFineTuneStepTest {
    @Test
    void aTinyFineTuneStepChangesOnlyUnfrozenWeights() {
        List<String> texts = List.of("win a free prize now", "meeting moved to friday", "cheap pills online",
                "the build is green again");
        ArrayDataset data = TextDatasets.encode("tiny", texts, new int[] {1, 0, 1, 0}, 2, MiniLm.tokenizer(), 12);
        try (FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, 12, 2, 3)) {
            MiniLm.loadPretrained(m, MiniLm.readBundled());
            m.freezeTo(5);   // embeddings and layer0..layer3 frozen
            Map<String, float[]> before = Snapshots.of(m);
            FitResult r = new Trainer(m, new AdamW(), TrainConfig.builder().setEpochs(1).optBatchSize(4)
                    .optLearningRate(1e-3).optProgressBar(false).optMeasureFullStep(false).build()).fit(data, null);
            Set<String> changedLayers = new TreeSet<>();
            Snapshots.changed(before, Snapshots.of(m)).forEach(k -> changedLayers.add(k.substring(0, k.indexOf('.'))));
            assertEquals(Set.of("layer4", "layer5", "classifier"), changedLayers);
            assertEquals(5, m.frozenPrefixLength(), "the frozen prefix runs without autograd");
            assertTrue(r.backwardFlops() < r.fullBackwardFlops() / 2);
        }
    }
}
