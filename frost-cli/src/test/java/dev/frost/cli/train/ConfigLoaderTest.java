package dev.frost.cli.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A key written without a value, or a section given whole with --set, keeps the defaults of what it leaves out. */
class ConfigLoaderTest {
    @Test
    void emptyValuesAndWholeSectionsKeepTheDefaults(@TempDir Path dir) throws Exception {
        Path cfg = Files.writeString(dir.resolve("c.yaml"), "data: {type: csv, train: t.csv}\nstrategy:\n"
                + "model: {type: mlp, hidden: }\ntrainer: {epochs: , batch_size: 32}\n");
        RunSpec defaults = ConfigLoader.toSpec(ConfigLoader.defaults(), "defaults");
        RunSpec spec = ConfigLoader.load(cfg, List.of()).spec();
        assertNotNull(spec.strategy());
        assertEquals(defaults.strategy(), spec.strategy());
        assertEquals(defaults.model().hidden(), spec.model().hidden());
        assertEquals(defaults.trainer().epochs(), spec.trainer().epochs());
        assertEquals(32, spec.trainer().batchSize());
        RunSpec set = ConfigLoader.load(cfg, List.of("trainer={epochs: 2}", "model.hidden=~", "data.split={valid: 0.1}"))
                .spec();
        assertEquals(2, set.trainer().epochs());
        assertEquals(32, set.trainer().batchSize(), "the file's value survives a section given whole");
        assertEquals(defaults.trainer().optimizer(), set.trainer().optimizer());
        assertEquals(defaults.model().hidden(), set.model().hidden());
        assertEquals(0.1, set.data().split().valid());
        assertNotNull(set.data().split().test());
    }
}
