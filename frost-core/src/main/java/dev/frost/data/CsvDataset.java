package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A table of numbers from a CSV file with a header row, loaded into memory (an {@link ArrayDataset} inside). Label
 * columns default to the column named {@code label}, or else the last column; feature columns default to all the
 * others. Fields are separated by commas (or {@link Builder#optDelimiter}); RFC 4180 double quotes are understood
 * ({@code "a,b"}, {@code ""} for a quote), blank lines are skipped.
 *
 * <p>Labels: {@link LabelKind#CLASS} (the default) reads one column of class values. When they are the integers
 * {@code 0..k-1} they are the ids; otherwise the distinct values, sorted (numerically where they are all numbers),
 * become ids {@code 0..k-1} in that order ({@link #classNames()}). A validation file should reuse the training file's
 * classes with {@link Builder#optClassNames}. {@link LabelKind#MULTI_LABEL} reads several 0/1 columns,
 * {@link LabelKind#REGRESSION} one or more float targets.
 */
public final class CsvDataset implements Dataset {
    private final ArrayDataset data;
    private final List<String> featureColumns;
    private final List<String> labelColumns;
    private final List<String> classNames;

    private CsvDataset(ArrayDataset data, List<String> featureColumns, List<String> labelColumns,
                       List<String> classNames) {
        this.data = data;
        this.featureColumns = List.copyOf(featureColumns);
        this.labelColumns = List.copyOf(labelColumns);
        this.classNames = classNames == null ? null : List.copyOf(classNames);
    }

    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** Reads a CSV of numeric features and a class column (named {@code label}, or else the last one). */
    public static CsvDataset read(Path file) {
        return builder(file).build();
    }

    /** Which columns to read, and as what. */
    public static final class Builder {
        private final Path file;
        private String name;
        private List<String> labels;
        private List<String> features;
        private LabelKind kind = LabelKind.CLASS;
        private List<String> classNames;
        private char delimiter = ',';
        private boolean noLabels;

        private Builder(Path file) {
            this.file = file;
        }

        /** The label column(s): one for class labels, one or more for multi-label (0/1) or regression. */
        public Builder optLabelColumns(String... columns) {
            this.labels = List.of(columns);
            return this;
        }

        /** The feature columns, in this order; default every column that is not a label column. */
        public Builder optFeatureColumns(String... columns) {
            this.features = List.of(columns);
            return this;
        }

        public Builder optLabelKind(LabelKind kind) {
            this.kind = kind;
            return this;
        }

        /** Fixes the class ids to these names' positions (class labels only), e.g. the training file's classes. */
        public Builder optClassNames(List<String> names) {
            if (new java.util.HashSet<>(names).size() != names.size() || names.isEmpty()) {
                throw new FrostException("CSV class names must be distinct and not empty, got " + names);
            }
            this.classNames = List.copyOf(names);
            return this;
        }

        public Builder optDelimiter(char delimiter) {
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
                throw new FrostException("CSV delimiter cannot be a quote or a line break");
            }
            this.delimiter = delimiter;
            return this;
        }

        /**
         * Features only, for prediction: no label column is read (one may be present), and the rows get a placeholder
         * regression target of 0. Give the feature columns the model was trained on.
         */
        public Builder optNoLabels() {
            this.labels = List.of();
            this.kind = LabelKind.REGRESSION;
            this.noLabels = true;
            return this;
        }

        /** The dataset's name; default the file name without extension. */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        public CsvDataset build() {
            if (!Files.isRegularFile(file)) {
                throw new FrostException("missing CSV file " + file);
            }
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new FrostException("cannot read " + file + ": " + dev.frost.Untrusted.reason(e), e);
            }
            if (text.startsWith("\uFEFF")) {
                text = text.substring(1);
            }
            return parse(text);
        }

        private CsvDataset parse(String text) {
            CsvRecords records = new CsvRecords(file, text, delimiter);
            String[] header = records.next();
            if (header == null) {
                throw new FrostException(file + " is empty: expected a header row of column names");
            }
            Map<String, Integer> columns = new LinkedHashMap<>();
            for (int i = 0; i < header.length; i++) {
                String col = header[i].trim();
                if (columns.put(col, i) != null) {
                    throw new FrostException(file + " has column '" + col + "' twice in its header");
                }
            }
            List<String> labelCols = labels != null ? labels
                    : List.of(columns.containsKey("label") ? "label" : header[header.length - 1].trim());
            if (!noLabels && (labelCols.isEmpty() || (kind == LabelKind.CLASS && labelCols.size() != 1))) {
                throw new FrostException(file + ": " + kind + " labels need " + (kind == LabelKind.CLASS
                        ? "exactly one" : "at least one") + " label column, got " + labelCols);
            }
            List<String> featureCols = features != null ? features
                    : columns.keySet().stream().filter(c -> !labelCols.contains(c)).toList();
            if (featureCols.isEmpty()) {
                throw new FrostException(file + " has no feature columns besides the label column(s) " + labelCols);
            }
            int[] fIdx = indices(columns, featureCols);
            int[] lIdx = indices(columns, labelCols);
            FloatList x = new FloatList();
            FloatList y = new FloatList();
            List<String> classValues = new ArrayList<>();
            List<Integer> classLines = new ArrayList<>();
            String[] row;
            while ((row = records.next()) != null) {
                int line = records.line();
                if (row.length != header.length) {
                    throw new FrostException(file + " line " + line + " has " + row.length + " fields, the header has "
                            + header.length);
                }
                for (int i = 0; i < fIdx.length; i++) {
                    x.add(number(row[fIdx[i]], line, featureCols.get(i)));
                }
                if (kind == LabelKind.CLASS) {
                    String v = row[lIdx[0]].trim();
                    if (v.isEmpty()) {
                        throw new FrostException(file + " line " + line + ", column '" + labelCols.get(0)
                                + "': the class is empty");
                    }
                    classValues.add(v);
                    classLines.add(line);
                } else if (noLabels) {
                    y.add(0f);
                } else {
                    for (int i = 0; i < lIdx.length; i++) {
                        float v = number(row[lIdx[i]], line, labelCols.get(i));
                        if (kind == LabelKind.MULTI_LABEL && v != 0f && v != 1f) {
                            throw new FrostException(file + " line " + line + ", column '" + labelCols.get(i)
                                    + "': multi-label values must be 0 or 1, got '" + row[lIdx[i]].trim() + "'");
                        }
                        y.add(v);
                    }
                }
            }
            int labelWidth = noLabels ? 1 : labelCols.size();
            int n = kind == LabelKind.CLASS ? classValues.size() : y.size() / labelWidth;
            if (n == 0) {
                throw new FrostException(file + " has a header but no rows");
            }
            String dsName = name != null ? name : baseName(file);
            Shape shape = new Shape(featureCols.size());
            ArrayDataset data;
            List<String> names = null;
            if (kind == LabelKind.CLASS) {
                names = classNames != null ? classNames : classesOf(classValues);
                Map<String, Integer> ids = new HashMap<>();
                for (int i = 0; i < names.size(); i++) {
                    ids.put(names.get(i), i);
                }
                int[] labelIds = new int[n];
                for (int i = 0; i < n; i++) {
                    Integer id = ids.get(classValues.get(i));
                    if (id == null) {
                        throw new FrostException(file + " line " + classLines.get(i) + ", column '" + labelCols.get(0)
                                + "': class '" + classValues.get(i) + "' is not among the given class names");
                    }
                    labelIds[i] = id;
                }
                data = new ArrayDataset(dsName, x.toArray(), labelIds, shape, names.size());
            } else if (kind == LabelKind.MULTI_LABEL) {
                data = ArrayDataset.multiLabel(dsName, x.toArray(), shape, y.toArray(), labelCols.size());
            } else {
                data = ArrayDataset.regression(dsName, x.toArray(), shape, y.toArray(), labelWidth);
            }
            return new CsvDataset(data, featureCols, labelCols, names);
        }

        private int[] indices(Map<String, Integer> columns, List<String> wanted) {
            int[] out = new int[wanted.size()];
            for (int i = 0; i < out.length; i++) {
                Integer at = columns.get(wanted.get(i));
                if (at == null) {
                    String all = String.join(", ", columns.keySet());
                    throw new FrostException(file + " has no column '" + wanted.get(i) + "' (columns: "
                            + (all.length() > 150 ? all.substring(0, 150) + "..." : all) + ")");
                }
                out[i] = at;
            }
            return out;
        }

        private float number(String cell, int line, String column) {
            String s = cell.trim();
            float v;
            try {
                v = Float.parseFloat(s);
            } catch (NumberFormatException e) {
                v = Float.NaN;
            }
            if (!Float.isFinite(v)) {
                String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
                throw new FrostException(file + " line " + line + ", column '" + column + "': '" + shown
                        + "' is not a finite number");
            }
            return v;
        }
    }

    /**
     * The distinct values sorted, numerically when all are numbers: integers {@code 0..k-1} thus keep their value as
     * their id.
     */
    static List<String> classesOf(List<String> values) {
        TreeSet<String> distinct = new TreeSet<>(values);
        boolean allNumbers = distinct.stream().allMatch(CsvDataset::isNumber);
        if (allNumbers) {
            List<String> sorted = new ArrayList<>(distinct);
            sorted.sort(Comparator.comparingDouble(Double::parseDouble).thenComparing(Comparator.naturalOrder()));
            return sorted;
        }
        return new ArrayList<>(distinct);
    }

    private static boolean isNumber(String s) {
        try {
            return Double.isFinite(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String baseName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** Class names in id order (class labels only; null otherwise). */
    public List<String> classNames() {
        return classNames;
    }

    public List<String> featureColumns() {
        return featureColumns;
    }

    public List<String> labelColumns() {
        return labelColumns;
    }

    /** The in-memory dataset behind this one (for {@link Splits} or {@link ArrayDataset#subset}). */
    public ArrayDataset asArrayDataset() {
        return data;
    }

    @Override
    public String name() {
        return data.name();
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public Shape exampleShape() {
        return data.exampleShape();
    }

    @Override
    public LabelKind labelKind() {
        return data.labelKind();
    }

    @Override
    public int labelWidth() {
        return data.labelWidth();
    }

    /** The values' fingerprint, mixed with the class names (so a different id mapping is a different dataset). */
    @Override
    public long fingerprint() {
        return classNames == null ? data.fingerprint() : Fingerprints.mix(data.fingerprint(), classNames.toString());
    }

    @Override
    public void readFeatures(int index, float[] dst, int offset) {
        data.readFeatures(index, dst, offset);
    }

    @Override
    public void readLabel(int index, float[] dst, int offset) {
        data.readLabel(index, dst, offset);
    }

    private static final class FloatList {
        private float[] values = new float[1024];
        private int size;

        void add(float v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
