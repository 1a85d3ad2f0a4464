package dev.frost.cli;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README shows every frost train key with its default: its copy must be the defaults file the CLI reads. */
class ReadmeConfigTest {
    @Test
    void readmeShowsTheDefaultsFileVerbatim() throws Exception {
        String defaults;
        try (InputStream in = ReadmeConfigTest.class.getResourceAsStream("/frost/train-defaults.yaml")) {
            assertNotNull(in);
            defaults = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Path readme = Path.of("..", "README.md");
        assertTrue(Files.readString(readme).contains(defaults),
                "README.md's default config differs from frost/train-defaults.yaml: copy the file into the README");
    }
}
