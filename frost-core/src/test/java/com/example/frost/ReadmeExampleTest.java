package com.example.frost;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.CsvDataset;
import dev.frost.data.LabelKind;
import dev.frost.freeze.optim.AdamW;
import dev.frost.layers.Layers;
import dev.frost.loss.Losses;
import dev.frost.metric.Metrics;
import dev.frost.model.FrostModel;
import dev.frost.train.FitResult;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.callbacks.EarlyStopping;
import dev.frost.train.callbacks.MetricsLogger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** README's "Using the library" example, compiled and run: a custom model, loss and dataset; fit, unfreeze, fit. */
class ReadmeExampleTest {
    @Test
    void theReadmeExampleRunsAndLearns(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("houses.csv");
        StringBuilder sb = new StringBuilder("rooms,age,distance,price\n");
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 400; i++) {
            double rooms = r.nextDouble(1, 8);
            double age = r.nextDouble(0, 50);
            double distance = r.nextDouble(0, 30);
            sb.append(String.format(java.util.Locale.ROOT, "%.3f,%.3f,%.3f,%.3f%n", rooms, age, distance,
                    0.5 * rooms - 0.02 * age - 0.05 * distance + 2 + r.nextGaussian() * 0.05));
        }
        Files.writeString(csv, sb);
        Path run = dir.resolve("run");

        // --- README example starts here ---
        CsvDataset data = CsvDataset.builder(csv).optLabelColumns("price")
                .optLabelKind(LabelKind.REGRESSION).build();               // your data (any Dataset)
        try (FrostModel model = FrostModel.builder(new Shape(3))          // your model
                .addGroup("body", Layers.residual("res", Layers.linear("fc1", 3), Layers.relu("act")))
                .addGroup("head", Layers.linear("out", 1))
                .build();
             AdamW adamw = new AdamW()) {
            Trainer trainer = new Trainer(model, adamw, TrainConfig.builder().optBatchSize(32)
                    .optLearningRate(1e-2).optLoss(Losses.huber(1.0))           // your loss
                    .optMetrics(Metrics.mae()).optGradientClipNorm(1.0).build(),
                    new EarlyStopping("train_mae", 3, 1e-4), new MetricsLogger(run.resolve("metrics.csv")));
            model.freeze();                                                  // train the head first
            trainer.fit(data, null, 5);
            model.unfreeze();                                                // then everything
            FitResult r2 = trainer.fit(data, null, 20);                      // 20 more epochs, own schedule
            System.out.println(r2.last().trainMetrics() + " " + model.evaluate(data).metrics());
            // --- README example ends here ---
            assertTrue(model.evaluate(data).metrics().get("mae") < 0.5, model.evaluate(data).toString());
            assertTrue(Files.readAllLines(run.resolve("metrics.csv")).size() > 5);
        }
    }
}
