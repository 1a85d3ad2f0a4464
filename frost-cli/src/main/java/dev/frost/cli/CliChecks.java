package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.train.LrSchedule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Option checks run before any work starts, so a bad option costs nothing: each failure is one line naming the
 * option. Output locations are proven writable by creating (and removing) a probe file there.
 */
final class CliChecks {
    private CliChecks() {}

    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new FrostException(option + " must be >= " + min + ", got " + value);
        }
    }

    static void between(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new FrostException(option + " must be in " + min + ".." + max + ", got " + value);
        }
    }

    static void positive(String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new FrostException(option + " must be positive and finite, got " + value);
        }
    }

    static void atLeast(String option, double value, double min) {
        if (!(value >= min) || Double.isInfinite(value)) {
            throw new FrostException(option + " must be >= " + min + " and finite, got " + value);
        }
    }

    /** A rate in [0, 1), such as a dropout probability. */
    static void rate(String option, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new FrostException(option + " must be in [0, 1), got " + value);
        }
    }

    /** A learning-rate schedule's name that {@link LrSchedule#named} knows. */
    static void schedule(String option, String name) {
        try {
            LrSchedule.named(name);
        } catch (FrostException e) {
            throw new FrostException(option + ": " + e.getMessage(), e);
        }
    }

    /** {@code file} (may be null: no output) can be created or replaced. */
    static void writableFile(String option, Path file) {
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw new FrostException(option + " " + file + " is a folder; give a file name");
        }
        writableFolder(option, file.toAbsolutePath().getParent());
    }

    /** {@code dir} exists or can be created, and a file can be written in it. */
    static void writableFolder(String option, Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".frost-probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new FrostException(option + " " + dir + " is not a writable folder ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** {@code out} would replace {@code in} (the same file, or a link to it): refused, the input is kept. */
    static void notSameFile(String outOption, Path out, String inOption, Path in) {
        try {
            if (out != null && in != null && Files.exists(out) && Files.exists(in) && Files.isSameFile(out, in)) {
                throw new FrostException(outOption + " " + out + " is the " + inOption + " file: writing it would"
                        + " replace the input; give another file");
            }
        } catch (IOException e) {
            // cannot tell: the write itself will say what is wrong
        }
    }

    static void existingFolder(String option, Path dir) {
        if (dir != null && !Files.isDirectory(dir)) {
            throw new FrostException(option + " " + dir + " is not a folder");
        }
    }

    static void readableFile(String option, Path file) {
        if (file != null && !Files.isRegularFile(file)) {
            throw new FrostException(option + " " + file + " is not a readable file");
        }
    }
}
