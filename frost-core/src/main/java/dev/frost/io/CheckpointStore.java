package dev.frost.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The layout of a checkpoint folder, so that a crash at any instant leaves the previous checkpoint loadable: every
 * save is a complete new version folder ({@code v000000120-3}), written under a temporary name, synced, renamed into
 * place, and only then published by atomically replacing the {@code LATEST} pointer (which also holds the
 * manifest's SHA-256). {@code BEST} points at the best version by a monitored metric. Retention deletes old versions
 * only after the pointer moved, and never the latest or the best. A folder holding {@code checkpoint.json} directly
 * (written before versions existed, such as the embedded base) is read as it is.
 */
final class CheckpointStore {
    static final String LATEST = "LATEST";
    static final String BEST = "BEST";
    private static final String TMP_PREFIX = ".tmp-";
    private static final Pattern VERSION = Pattern.compile("v(\\d{9,19})-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What made a version the best: the monitored quantity and its value (kept in the BEST pointer). */
    record Best(String monitor, double value) {}

    /** The monitored value recorded with the best version, or NaN when there is none for {@code monitor}. */
    static double bestValue(Path root, String monitor) {
        Path p = root.resolve(BEST);
        if (!Files.isRegularFile(p)) {
            return Double.NaN;
        }
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(p));
            return monitor.equals(n.path("monitor").asText()) && n.path("value").isNumber()
                    ? n.path("value").asDouble() : Double.NaN;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** A published version: its folder and the SHA-256 its manifest must have (null for the legacy layout). */
    record Resolved(Path folder, String manifestSha256) {}

    private CheckpointStore() {}

    /** A fresh temporary folder for the version of {@code step}; leftovers of crashed saves are removed first. */
    static Path begin(Path root, long step) {
        try {
            Files.createDirectories(root);
            removeLeftovers(root);
            return Files.createDirectory(root.resolve(TMP_PREFIX + versionName(root, step)));
        } catch (IOException e) {
            throw new FrostException("cannot create a checkpoint version in " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * Renames the written version into place and publishes it ({@code LATEST}, and {@code BEST} when {@code best}),
     * then keeps the {@code keepLast} newest versions and the best.
     */
    static Path publish(Path root, Path tmp, String manifestSha256, Best best, int keepLast) {
        String name = tmp.getFileName().toString().substring(TMP_PREFIX.length());
        Path target = root.resolve(name);
        try {
            syncFolder(tmp);
            move(tmp, target);
            syncFolder(root);
            byte[] pointer = JSON.writeValueAsBytes(java.util.Map.of("version", name, "manifestSha256",
                    manifestSha256));
            AtomicFiles.write(root.resolve(LATEST), pointer);
            if (best != null) {
                AtomicFiles.write(root.resolve(BEST), JSON.writeValueAsBytes(java.util.Map.of("version", name,
                        "manifestSha256", manifestSha256, "monitor", best.monitor(), "value", best.value())));
            }
        } catch (IOException e) {
            throw new FrostException("cannot publish checkpoint " + target + ": " + e.getMessage(), e);
        }
        retain(root, keepLast);
        return target;
    }

    /** The folder to load from {@code root}: through {@code LATEST}, the legacy layout, or the newest valid version. */
    static Resolved resolve(Path root) {
        return resolve(root, LATEST);
    }

    /** Like {@link #resolve(Path)}, through the {@code BEST} pointer. */
    static Resolved resolveBest(Path root) {
        if (!Files.isRegularFile(root.resolve(BEST))) {
            throw new FrostException("checkpoint folder " + root + " has no best checkpoint (no " + BEST + " file)");
        }
        return resolve(root, BEST);
    }

    private static Resolved resolve(Path root, String pointerName) {
        if (!Files.isDirectory(root)) {
            throw new FrostException("checkpoint folder " + root + " does not exist");
        }
        Path pointer = root.resolve(pointerName);
        if (Files.isRegularFile(pointer)) {
            Resolved r = readPointer(root, pointer);
            if (r != null) {
                return r;
            }
        }
        if (Files.isRegularFile(root.resolve(Checkpoints.MANIFEST))) {
            return new Resolved(root, null);
        }
        // the pointer is missing or damaged: the newest complete version is the latest one
        List<Path> versions = versions(root);
        for (int i = versions.size() - 1; i >= 0; i--) {
            if (Files.isRegularFile(versions.get(i).resolve(Checkpoints.MANIFEST))) {
                return new Resolved(versions.get(i), null);
            }
        }
        throw new FrostException("checkpoint folder " + root + " holds no checkpoint");
    }

    private static Resolved readPointer(Path root, Path pointer) {
        try {
            byte[] bytes = Files.readAllBytes(pointer);
            if (bytes.length > 4096) {
                return null;
            }
            JsonNode n = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
            String version = n.path("version").asText("");
            String sha = n.path("manifestSha256").asText("");
            if (!VERSION.matcher(version).matches() || !sha.matches("[0-9a-f]{64}")) {
                return null;
            }
            Path folder = root.resolve(version);
            return Files.isRegularFile(folder.resolve(Checkpoints.MANIFEST)) ? new Resolved(folder, sha) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Published version folders, oldest first. */
    static List<Path> versions(Path root) {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isDirectory(p) && VERSION.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path p) -> number(p, 1)).thenComparing(p -> number(p, 2)))
                    .toList();
        } catch (IOException e) {
            throw new FrostException("cannot list checkpoint folder " + root + ": " + e.getMessage(), e);
        }
    }

    private static long number(Path p, int group) {
        var m = VERSION.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(group)) : -1;
    }

    private static String versionName(Path root, long step) {
        int n = 0;
        while (Files.exists(root.resolve(String.format("v%09d-%d", step, n)))
                || Files.exists(root.resolve(TMP_PREFIX + String.format("v%09d-%d", step, n)))) {
            n++;
        }
        return String.format("v%09d-%d", step, n);
    }

    private static void retain(Path root, int keepLast) {
        List<Path> versions = new ArrayList<>(versions(root));
        Resolved latest = readPointerQuietly(root, LATEST);
        Resolved best = readPointerQuietly(root, BEST);
        int keep = Math.max(1, keepLast);
        for (int i = 0; i < versions.size() - keep; i++) {
            Path v = versions.get(i);
            if ((latest != null && v.equals(latest.folder())) || (best != null && v.equals(best.folder()))) {
                continue;
            }
            deleteTree(v);
        }
    }

    private static Resolved readPointerQuietly(Path root, String name) {
        Path p = root.resolve(name);
        return Files.isRegularFile(p) ? readPointer(root, p) : null;
    }

    private static void removeLeftovers(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : s.filter(x -> x.getFileName().toString().startsWith(TMP_PREFIX)).toList()) {
                deleteTree(p);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void syncFolder(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // some file systems cannot sync a folder; the files themselves were synced
        }
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        } catch (IOException ignored) {
            // an old version left behind is only disk space; the pointers never name it
        }
    }
}
