package dev.frost.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each bad input: one line naming the file or key, exit 1, and no run folder created. */
class TrainErrorsTest {
    private static void refused(Path dir, String yaml, String... expected) throws Exception {
        Path cfg = Files.writeString(dir.resolve("bad.yaml"), yaml);
        Path run = dir.resolve("run");
        CliRunner.Result r = CliRunner.run("train", cfg.toString(), "--set", "run.dir=" + run);
        assertEquals(1, r.code(), yaml + "\n" + r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String e : expected) {
            assertTrue(r.err().contains(e), "expected '" + e + "' in: " + r.err());
        }
        assertFalse(Files.exists(run), "the run folder is untouched for: " + r.err());
    }

    private static String images(Path train, String extra) {
        return "data: {type: images, train: " + train + ", split: {valid: 0}" + extra + "}\n"
                + "model: {type: cnn, channels: [4]}\ntrainer: {epochs: 1, progress_bar: false}\n";
    }

    @Test
    void badInputsAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path shapes = TrainImagesTest.shapes(dir.resolve("shapes"), 4, 3);
        refused(dir, images(dir.resolve("nowhere"), ""), "data.train", "nowhere", "does not exist");
        Path empty = TrainImagesTest.shapes(dir.resolve("empty"), 3, 3);
        for (Path p : Files.list(empty.resolve("bar")).toList()) {
            Files.delete(p);
        }
        refused(dir, images(empty, ""), "class folder", "bar", "holds no images");
        Path corrupt = TrainImagesTest.shapes(dir.resolve("corrupt"), 4, 3);
        Files.writeString(corrupt.resolve("circle/9.png"), "not a png");
        refused(dir, images(corrupt, ""), "data.train", "circle/9.png", "data.images.on_corrupt: skip");
        CliRunner.Result r = CliRunner.run("train", Files.writeString(dir.resolve("skip.yaml"),
                images(corrupt, ", images: {on_corrupt: skip}")).toString(), "--set", "run.dir=" + dir.resolve("s"));
        assertEquals(0, r.code(), r.err());
        refused(dir, images(shapes, "") + "strategy: {type: manual, frozen_groups: [block1, head]}\n",
                "strategy.frozen_groups freezes every group");
        refused(dir, images(shapes, "") + "strategy: {type: fine-tune, keep_frozen: 5}\n", "strategy.keep_frozen");
        refused(dir, images(shapes, "").replace("model: {type: cnn, channels: [4]}",
                "model: {type: pretrained, base: {type: cnn, channels: [4, 8], classes: 3, checkpoint: "
                        + dir.resolve("s/checkpoints/train") + "}, cut_after: gap}"),
                "model.base.checkpoint", "conv2");
        Path csv = TrainTabularTest.csv(dir, "t.csv", 20, false, 1);
        refused(dir, "data: {type: csv, train: " + csv + ", csv: {label_columns: [species]}}\nmodel: {type: mlp}\n",
                "data.train", "species");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: cnn}\n", "model.type cnn needs images");
        refused(dir, "data:\n  type: csv\n  train: " + csv + "\ntrainer:\n  epoch: 3\n", "bad.yaml line 5",
                "unknown key 'trainer.epoch'", "epochs");
        refused(dir, "data:\n  type: csv\n  train: " + csv + "\ntrainer:\n  epochs: five\n", "bad.yaml line 5",
                "wrong type for 'trainer.epochs'", "an integer");
        refused(dir, "data: [1, 2]\n", "bad.yaml line 1", "'data'");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\nmodel: {type: cnn}\n", "bad.yaml",
                "line 3", "'model'");
        refused(dir, "data: {type: csv, train: " + csv + "\n", "bad.yaml", "not valid YAML");
        refused(dir, "data: {type: csv, train: " + csv + "}\ntrainer: {lr: -1}\n", "trainer.lr must be positive");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\ntrainer: {schedule: warmup}\n",
                "trainer.schedule", "'warmup'", "or step");
        refused(dir, "data: {type: sound, train: " + csv + "}\n", "data.type", "sound");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\ntrainer: {early_stopping: {monitor: valid_acc,"
                + " patience: 2}}\n", "trainer.early_stopping.monitor: 'valid_acc' is not a quantity",
                "loss, accuracy");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\ntrainer: {checkpoint: {monitor: f1}}\n",
                "trainer.checkpoint.monitor: 'f1'");
        Path oneClass = Files.writeString(dir.resolve("one.csv"), "a,b,label\n1,2,x\n2,3,x\n3,4,x\n4,5,x\n");
        refused(dir, "data: {type: csv, train: " + oneClass + ", split: {valid: 0}}\nmodel: {type: mlp}\n",
                "data.train: classification needs at least 2 classes, the data has 1 [x]");
        Path three = Files.writeString(dir.resolve("three.csv"), "a,b,label\n1,2,x\n2,3,y\n3,4,z\n");
        refused(dir, "data: {type: csv, train: " + three + ", split: {valid: 0.2}}\nmodel: {type: mlp}\n",
                "data.split: valid 0.2 of 3 examples leaves no validation examples");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\ntrainer: {loss: mse}\n",
                "trainer.loss: loss mse needs REGRESSION labels, the dataset has CLASS");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\ntrainer: {metrics: [mae]}\n",
                "trainer.metrics", "mae needs regression targets");
        refused(dir, "data: {type: csv, train: " + csv + "}\nmodel: {type: mlp}\ntrainer: {label_smoothing: 1.5}\n",
                "trainer.label_smoothing must be in [0, 1)");
        // text data: a .csv is read as CSV (columns text_field, label_field), anything else as JSON lines
        refused(dir, "data: {type: text, train: " + csv + "}\n", "data.train", "has no column 'text' (its header: ");
        Path notJson = Files.copy(csv, dir.resolve("t.jsonl"));
        refused(dir, "data: {type: text, train: " + notJson + "}\n", "data.train", "line 1 is not a JSON object");
        r = CliRunner.run("train", Files.writeString(dir.resolve("ok.yaml"), "data: {type: csv, train: " + csv
                + "}\n").toString(), "--set", "trainer.epoks=2");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--set trainer.epoks: unknown key"), r.err());
        r = CliRunner.run("train", dir.resolve("ok.yaml").toString(), "--set", "trainer.epochs=two");
        assertTrue(r.err().contains("wrong type for 'trainer.epochs'") && r.err().contains("--set"), r.err());
        // a run folder that holds files is never touched
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("mine.txt"), "keep");
        r = CliRunner.run("train", dir.resolve("ok.yaml").toString(), "--set", "run.dir=" + taken);
        assertTrue(r.err().contains("already holds files"), r.err());
        assertEquals(1, Files.list(taken).count());
    }

    @Test
    void initWritesAConfigThatParses(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("frost.yaml");
        CliRunner.Result r = CliRunner.run("init", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.readString(f).contains("# "), "commented");
        assertEquals(dev.frost.cli.train.ConfigLoader.load(f, java.util.List.of()).spec().trainer().epochs(), 5);
        // Hugging Face's recipe from the config: linear warm-up schedule, no decay on biases and norms
        var spec = dev.frost.cli.train.ConfigLoader.load(f, java.util.List.of("trainer.schedule=linear",
                "trainer.optimizer.no_decay_on_bias_and_norm=true")).spec();
        var cfg = dev.frost.cli.train.Objectives.template(spec, dev.frost.data.LabelKind.CLASS).build();
        assertTrue(cfg.noDecayOnBiasAndNorm());
        assertEquals("linear", spec.trainer().schedule());
        assertFalse(dev.frost.cli.train.Objectives.template(dev.frost.cli.train.ConfigLoader.load(f,
                java.util.List.of()).spec(), dev.frost.data.LabelKind.CLASS).build().noDecayOnBiasAndNorm());
        r = CliRunner.run("init", f.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("already exists"), r.err());
    }
}
