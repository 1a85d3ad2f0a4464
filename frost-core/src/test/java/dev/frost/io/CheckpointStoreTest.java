package dev.frost.io;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.SyntheticData;
import dev.frost.freeze.optim.AdamW;
import dev.frost.freeze.optim.Sgd;
import dev.frost.model.FrostModel;
import dev.frost.model.Models;
import dev.frost.model.Snapshots;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Versioned, crash-safe checkpoint folders and a manifest that is validated rather than trusted. */
class CheckpointStoreTest {
    private static final ArrayDataset DATA = SyntheticData.classification("store", 64, new Shape(8), 3, 4);

    private static FrostModel model() {
        return Models.mlp(8, new int[] {12}, 3, 1);
    }

    private static TrainConfig cfg(int batch) {
        return TrainConfig.builder().optBatchSize(batch).optLearningRate(1e-2).optProgressBar(false).build();
    }

    @Test
    void eachSaveIsANewVersionAndRetentionKeepsTheLastAndTheBest(@TempDir Path dir) throws Exception {
        try (FrostModel m = model(); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(m, opt, cfg(16));
            Path first = null;
            for (int i = 0; i < 6; i++) {
                t.fit(DATA, null, 1);
                Path v = i == 0 ? Checkpoints.saveBest(dir, t, "valid_loss", 0.25, 3) : Checkpoints.save(dir, t, 3);
                if (i == 0) {
                    first = v;
                }
            }
            List<Path> versions = CheckpointStore.versions(dir);
            assertEquals(4, versions.size(), "the 3 newest and the best: " + versions);
            assertTrue(versions.contains(first), "the best is kept however old");
            assertEquals(0.25, Checkpoints.bestValue(dir, "valid_loss"), 0, "the pointer keeps the best value");
            assertTrue(Double.isNaN(Checkpoints.bestValue(dir, "train_loss")));
            assertEquals(versions.get(versions.size() - 1), CheckpointStore.resolve(dir).folder());
            try (FrostModel best = model()) {
                Checkpoints.loadBest(dir, best);
                assertEquals(0L, Checkpoints.readManifest(dir).progress().globalStep() - 24, "latest is step 24");
            }
        }
    }

    @Test
    void aCrashBeforeThePointerMovesLeavesThePreviousVersionInForce(@TempDir Path dir) throws Exception {
        try (FrostModel m = model(); FrostModel back = model(); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(m, opt, cfg(16));
            t.fit(DATA, null, 1);
            Checkpoints.save(dir, t);
            Map<String, float[]> saved = Snapshots.of(m);
            t.fit(DATA, null, 1);
            // a save killed after the new version was renamed into place but before LATEST moved
            byte[] pointer = Files.readAllBytes(dir.resolve(CheckpointStore.LATEST));
            Checkpoints.save(dir, t);
            Files.write(dir.resolve(CheckpointStore.LATEST), pointer);
            // and one killed while writing its temporary folder
            Files.createDirectories(dir.resolve(".tmp-v000000099-0"));
            Files.writeString(dir.resolve(".tmp-v000000099-0/model.safetensors"), "half");
            Checkpoints.loadModel(dir, back);
            assertTrue(Snapshots.changed(saved, Snapshots.of(back)).isEmpty(), "the published version loads");
            // a lost pointer falls back to the newest complete version
            Files.delete(dir.resolve(CheckpointStore.LATEST));
            Checkpoints.loadModel(dir, back);
            assertTrue(Snapshots.changed(Snapshots.of(m), Snapshots.of(back)).isEmpty());
            Checkpoints.save(dir, t);
            assertFalse(Files.exists(dir.resolve(".tmp-v000000099-0")), "leftovers are cleaned by the next save");
        }
    }

    /** Writes a checkpoint, applies {@code edit} to its manifest as a legacy (unpointed) copy, returns the copy. */
    private static Path editedCopy(Path dir, Trainer t, Consumer<ObjectNode> edit) throws Exception {
        Path v = Checkpoints.save(dir.resolve("store"), t);
        Path copy = Files.createDirectories(dir.resolve("edited-" + System.nanoTime()));
        for (String f : new String[] {Checkpoints.WEIGHTS, Checkpoints.OPTIMIZER, Checkpoints.MANIFEST}) {
            Files.copy(v.resolve(f), copy.resolve(f));
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(copy.resolve(Checkpoints.MANIFEST).toFile());
        edit.accept(root);
        Files.write(copy.resolve(Checkpoints.MANIFEST), json.writeValueAsBytes(root));
        return copy;
    }

    @Test
    void aHandEditedOrDamagedManifestIsRefusedInOneLineAndLoadsNothing(@TempDir Path dir) throws Exception {
        try (FrostModel m = model(); AdamW opt = new AdamW(); FrostModel target = model()) {
            Trainer t = new Trainer(m, opt, cfg(16));
            t.fit(DATA, null, 1);
            // a hand edit of a published manifest breaks its checksum in the pointer
            Path v = Checkpoints.save(dir.resolve("pointed"), t);
            Path mf = v.resolve(Checkpoints.MANIFEST);
            Files.writeString(mf, Files.readString(mf).replace("\"trainBn\" : false", "\"trainBn\" : true"));
            FrostException e = assertThrows(FrostException.class,
                    () -> Checkpoints.loadModel(dir.resolve("pointed"), target));
            assertTrue(e.getMessage().contains("modified"), e.getMessage());

            Map<String, float[]> before = Snapshots.of(target);
            List<Consumer<ObjectNode>> edits = List.of(
                r -> r.putNull("weights"),
                r -> ((ObjectNode) r.get("weights")).put("file", "../model.safetensors"),
                r -> ((ObjectNode) r.get("weights")).put("file", "/etc/passwd"),
                r -> ((ObjectNode) r.get("weights")).put("sha256", "zz"),
                r -> ((ObjectNode) r.get("progress")).put("stepInEpoch", -1),
                r -> ((ObjectNode) r.get("progress")).put("epoch", -3),
                r -> r.putNull("freeze"),
                r -> ((ObjectNode) r.get("freeze").get("lrMultipliers")).put("nope", 1.0),
                r -> r.put("version", 99),
                r -> r.put("format", "something-else"),
                r -> r.put("unexpected", 1));
            for (Consumer<ObjectNode> edit : edits) {
                Path bad = editedCopy(dir, t, edit);
                FrostException x = assertThrows(FrostException.class, () -> Checkpoints.loadModel(bad, target));
                assertFalse(x.getMessage().contains("\n"), x.getMessage());
                assertTrue(x.getMessage().length() < 300, x.getMessage());
                assertFalse(x.getMessage().endsWith(": null"), x.getMessage());
            }
            assertTrue(Snapshots.changed(before, Snapshots.of(target)).isEmpty(), "a refused load changes nothing");
        }
    }

    @Test
    void aResumeThatFailsAnyCheckLeavesTheModelAndOptimizerUntouched(@TempDir Path dir) throws Exception {
        try (FrostModel m = model(); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(m, opt, cfg(16));
            t.fit(DATA, null, 1);
            Checkpoints.save(dir, t);
            try (FrostModel other = Models.mlp(8, new int[] {12}, 3, 9); AdamW o2 = new AdamW()) {
                Map<String, float[]> before = Snapshots.of(other);
                // another seed
                Trainer wrongSeed = new Trainer(other, o2, cfg(16).toBuilder().optSeed(7).build());
                assertThrows(FrostException.class, () -> Checkpoints.resume(dir, wrongSeed));
                // another batch size: silently other steps, refused unless allowed
                Trainer wrongBatch = new Trainer(other, o2, cfg(32));
                FrostException e = assertThrows(FrostException.class, () -> Checkpoints.resume(dir, wrongBatch));
                assertTrue(e.getMessage().contains("batch size 16 vs 32"), e.getMessage());
                assertTrue(Snapshots.changed(before, Snapshots.of(other)).isEmpty(), "nothing was loaded");
                assertEquals(0, o2.stateCount());
                Checkpoints.resume(dir, wrongBatch, true);
                assertTrue(o2.stateCount() > 0);
            }
            // optimizer buffers of the wrong shape are refused before the weights are touched
            Path bad = editedCopy(dir, t, r -> { });
            try (ai.djl.ndarray.NDManager mgr = m.manager().newSubManager()) {
                Path of = bad.resolve(Checkpoints.OPTIMIZER);
                Map<String, ai.djl.ndarray.NDArray> state = new java.util.LinkedHashMap<>(
                        SafeTensors.decode(mgr, Files.readAllBytes(of), of.toString()));
                String key = state.keySet().iterator().next();
                state.put(key, mgr.zeros(new Shape(2, 2)));
                byte[] bytes = SafeTensors.encode(state);
                Files.write(of, bytes);
                Path mf = bad.resolve(Checkpoints.MANIFEST);
                ObjectNode root = (ObjectNode) new ObjectMapper().readTree(mf.toFile());
                ((ObjectNode) root.get("optimizer").get("file")).put("sha256", AtomicFiles.sha256(bytes));
                Files.write(mf, new ObjectMapper().writeValueAsBytes(root));
            }
            try (FrostModel same = Models.mlp(8, new int[] {12}, 3, 2); AdamW o3 = new AdamW()) {
                Map<String, float[]> before = Snapshots.of(same);
                FrostException e = assertThrows(FrostException.class,
                        () -> Checkpoints.resume(bad, new Trainer(same, o3, cfg(16))));
                assertTrue(e.getMessage().contains("of shape (2, 2)"), e.getMessage());
                assertTrue(Snapshots.changed(before, Snapshots.of(same)).isEmpty(), "weights untouched");
                assertEquals(0, o3.stateCount());
            }
        }
    }

    @Test
    void aResumedRunRefusesOtherTrainingData(@TempDir Path dir) {
        try (FrostModel m = model(); AdamW opt = new AdamW()) {
            Trainer t = new Trainer(m, opt, cfg(16));
            t.fit(DATA, null, 1);
            Checkpoints.save(dir, t);
            try (FrostModel again = model(); AdamW o2 = new AdamW()) {
                Trainer r = new Trainer(again, o2, cfg(16));
                Checkpoints.resume(dir, r);
                ArrayDataset other = SyntheticData.classification("other", 64, new Shape(8), 3, 5);
                FrostException e = assertThrows(FrostException.class, () -> r.fit(other, null, 1));
                assertTrue(e.getMessage().contains("not the data the resumed checkpoint was trained on"),
                        e.getMessage());
                r.fit(DATA, null, 1);
            }
        }
    }
}
