package dev.frost.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Texts with class labels read from JSON lines ({@code {"text": "...", "label": "spam"}} per line) or from a CSV
 * file with a header row (a text column and a label column; the field/column names are given), and their encoding as a dataset of token ids with the BERT side inputs. Labels are strings (or
 * numbers); classes are the sorted distinct labels unless given (a validation file uses the training classes).
 */
public record LabeledTexts(String name, List<String> texts, List<String> labels) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.SKIP_EMPTY_LINES).build();

    public LabeledTexts {
        texts = List.copyOf(texts);
        labels = List.copyOf(labels);
    }

    /** Reads a {@code .csv} file with {@link #readCsv}, anything else with {@link #readJsonl}. */
    public static LabeledTexts read(Path file, String textField, String labelField, char delimiter) {
        return read(file, textField, labelField, delimiter, null);
    }

    /**
     * As {@link #read(Path, String, String, char)}; with {@code missingLabel} not null, labels may be absent (texts to
     * predict) and an absent one reads as {@code missingLabel}.
     */
    public static LabeledTexts read(Path file, String textField, String labelField, char delimiter,
                                    String missingLabel) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")
                ? readCsv(file, textField, labelField, delimiter, missingLabel)
                : readJsonl(file, textField, labelField, missingLabel);
    }

    /**
     * Reads a CSV file whose first row names the columns; other columns are ignored. Quoting is RFC 4180's (a
     * quoted field may hold the delimiter, line breaks and {@code ""}); blank lines are skipped. Every failure names
     * the file and the row (data rows count from 1, after the header).
     */
    public static LabeledTexts readCsv(Path file, String textColumn, String labelColumn, char delimiter) {
        return readCsv(file, textColumn, labelColumn, delimiter, null);
    }

    private static LabeledTexts readCsv(Path file, String textColumn, String labelColumn, char delimiter,
                                        String missingLabel) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException(file + " is not a readable file");
        }
        CsvSchema schema = CsvSchema.emptySchema().withHeader().withColumnSeparator(delimiter);
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        int row = 0;
        // a byte stream, not a Reader, so that Jackson drops a UTF-8 byte order mark before the header
        try (InputStream in = Files.newInputStream(file);
             MappingIterator<Map<String, String>> it = CSV.readerFor(Map.class).with(schema).readValues(in)) {
            while (it.hasNextValue()) {
                Map<String, String> r = it.nextValue();
                row++;
                if (row == 1) {
                    List<String> header = ((CsvSchema) it.getParserSchema()).getColumnNames();
                    for (String c : missingLabel == null ? List.of(textColumn, labelColumn) : List.of(textColumn)) {
                        if (!header.contains(c)) {
                            throw new FrostException(file + " has no column '" + c + "' (its header: "
                                    + String.join(", ", header) + ")");
                        }
                    }
                }
                String t = r.get(textColumn);
                String l = r.get(labelColumn);
                if (missingLabel != null && (l == null || l.isBlank())) {
                    l = missingLabel;
                }
                if (t == null || l == null || l.isBlank()) {
                    throw new FrostException(file + " row " + row + " has no " + (t == null ? "text column '"
                            + textColumn : "label in column '" + labelColumn) + "'");
                }
                texts.add(t);
                labels.add(l);
            }
        } catch (JsonProcessingException e) {
            throw new FrostException(file + " row " + (row + 1) + " is not valid CSV: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException | RuntimeException e) {
            if (e instanceof FrostException f) {
                throw f;
            }
            throw new FrostException("cannot read " + file + ": " + String.valueOf(e.getMessage()).lines()
                    .findFirst().orElse(""), e);
        }
        if (texts.isEmpty()) {
            throw new FrostException(file + " holds no texts");
        }
        return new LabeledTexts(file.getFileName().toString(), texts, labels);
    }

    /** Reads {@code file}: one JSON object per non-blank line. Every failure names the file and line. */
    public static LabeledTexts readJsonl(Path file, String textField, String labelField) {
        return readJsonl(file, textField, labelField, null);
    }

    private static LabeledTexts readJsonl(Path file, String textField, String labelField, String missingLabel) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException(file + " is not a readable file");
        }
        List<String> texts = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new FrostException(file + " line " + n + " is not a JSON object: "
                            + e.getOriginalMessage().lines().findFirst().orElse(""));
                }
                if (o == null || !o.isObject()) {
                    throw new FrostException(file + " line " + n + " is not a JSON object");
                }
                JsonNode t = o.get(textField);
                JsonNode l = o.get(labelField);
                if (t == null || t.isNull()) {
                    throw new FrostException(file + " line " + n + " has no text field '" + textField + "'");
                }
                if (!t.isTextual()) {
                    throw new FrostException(file + " line " + n + ": field '" + textField + "' is not a string");
                }
                boolean labelled = l != null && (l.isTextual() || l.isNumber() || l.isBoolean());
                if (!labelled && (missingLabel == null || l != null && !l.isNull())) {
                    throw new FrostException(file + " line " + n + " has no label field '" + labelField + "'");
                }
                texts.add(t.asText());
                labels.add(labelled ? l.asText() : missingLabel);
            }
        } catch (IOException e) {
            throw new FrostException("cannot read " + file + ": " + dev.frost.Untrusted.reason(e), e);
        }
        if (texts.isEmpty()) {
            throw new FrostException(file + " holds no texts");
        }
        return new LabeledTexts(file.getFileName().toString(), texts, labels);
    }

    /** The sorted distinct labels. */
    public List<String> classNames() {
        return List.copyOf(new TreeSet<>(labels));
    }

    /** Token ids and side inputs for a BERT model; labels are indices into {@code classes}. */
    public ArrayDataset encode(List<String> classes, WordPieceTokenizer tokenizer, int seqLen) {
        int[] y = new int[labels.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = classes.indexOf(labels.get(i));
            if (y[i] < 0) {
                throw new FrostException(name + ": label '" + labels.get(i) + "' (example " + (i + 1)
                        + ") is not one of the training classes " + classes);
            }
        }
        return TextDatasets.encode(name, texts, y, classes.size(), tokenizer, seqLen);
    }
}
