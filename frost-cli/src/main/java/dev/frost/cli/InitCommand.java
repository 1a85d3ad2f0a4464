package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.cli.train.ConfigLoader;
import dev.frost.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code frost init [FILE]}: writes the commented config with every key and its default. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Write a commented example config for 'frost train' (every key with its default).")
final class InitCommand implements Runnable {
    @Parameters(index = "0", arity = "0..1", defaultValue = "frost.yaml", paramLabel = "FILE",
            description = "Where to write it (default ${DEFAULT-VALUE}); an existing file is never replaced.")
    Path file;

    @Override
    public void run() {
        if (Files.exists(file)) {
            throw new FrostException(file + " already exists: choose another FILE");
        }
        CliChecks.writableFile("FILE", file);
        String text = ConfigLoader.defaultsText().replace("  train: ~                # REQUIRED",
                "  train: data/train       # REQUIRED");
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + file + "; edit data.train and model, then: ./frost train " + file);
    }
}
