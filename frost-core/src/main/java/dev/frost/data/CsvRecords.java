package dev.frost.data;

import dev.frost.FrostException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits CSV text into records: fields separated by a delimiter, RFC 4180 double quotes (a quoted field may hold
 * delimiters, line breaks and {@code ""} for a quote), CRLF or LF line ends; blank lines are skipped.
 */
final class CsvRecords {
    private final Path file;
    private final String text;
    private final char delimiter;
    private int pos;
    private int nextLine = 1;
    private int recordLine;

    CsvRecords(Path file, String text, char delimiter) {
        this.file = file;
        this.text = text;
        this.delimiter = delimiter;
    }

    /** The 1-based line on which the last record returned by {@link #next()} starts. */
    int line() {
        return recordLine;
    }

    /** The next record's fields, or null at the end. */
    String[] next() {
        while (pos < text.length() && (text.charAt(pos) == '\n' || text.charAt(pos) == '\r')) {
            if (text.charAt(pos) == '\n') {
                nextLine++;
            }
            pos++;
        }
        if (pos >= text.length()) {
            return null;
        }
        recordLine = nextLine;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (quoted) {
                if (c == '"') {
                    if (pos < text.length() && text.charAt(pos) == '"') {
                        field.append('"');
                        pos++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        nextLine++;
                    }
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
                field.setLength(0);
            } else if (c == delimiter) {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && pos < text.length() && text.charAt(pos) == '\n') {
                    pos++;
                }
                nextLine++;
                break;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new FrostException(file + " line " + recordLine + ": a quoted field is not closed");
        }
        fields.add(field.toString());
        return fields.toArray(String[]::new);
    }
}
