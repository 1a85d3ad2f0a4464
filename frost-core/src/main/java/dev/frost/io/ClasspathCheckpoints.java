package dev.frost.io;

import dev.frost.FrostException;
import dev.frost.model.FrostModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checkpoints shipped inside a jar (a pretrained base as a resource folder): unpacked to a temporary folder, verified
 * and loaded exactly as one on disk, then the temporary files are removed.
 */
public final class ClasspathCheckpoints {
    private ClasspathCheckpoints() {}

    /**
     * Loads weights and freeze state from the checkpoint under resource folder {@code resourceDir} (e.g.
     * {@code "/frost/base/fashion-cnn/"}), found through {@code anchor}'s class loader.
     */
    public static CheckpointManifest loadModel(Class<?> anchor, String resourceDir, FrostModel model) {
        String dir = resourceDir.endsWith("/") ? resourceDir : resourceDir + "/";
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("frost-checkpoint");
            for (String f : List.of(Checkpoints.MANIFEST, Checkpoints.WEIGHTS)) {
                try (InputStream in = anchor.getResourceAsStream(dir + f)) {
                    if (in == null) {
                        throw new FrostException("checkpoint resource " + dir + f + " is not on the classpath of "
                                + anchor.getName());
                    }
                    Files.write(tmp.resolve(f), in.readAllBytes());
                }
            }
            return Checkpoints.loadModel(tmp, model);
        } catch (IOException e) {
            throw new FrostException("cannot unpack checkpoint resource " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // temporary files only; the OS cleans its temp folder
        }
    }
}
