package dev.frost.cli.train;

import dev.frost.FrostException;
import dev.frost.data.CsvDataset;
import dev.frost.data.Dataset;
import dev.frost.data.ImageFolderDataset;
import dev.frost.data.LabelKind;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Opens the config's data: the training source, and validation/test as their own folders/files or a seeded
 * (class-stratified) split of the training source. Every failure is one line naming the config key.
 */
public final class DataSources {
    /** The run's datasets (valid and test may be null) and the class names (null for regression). */
    public record Sources(Dataset train, Dataset valid, Dataset test, List<String> classNames) {}

    private DataSources() {}

    /** Opens and checks everything before any training: with {@code on_corrupt: fail}, every image is decoded once. */
    public static Sources open(RunSpec spec) {
        RunSpec.Data d = spec.data();
        if (d.train() == null) {
            throw new FrostException("data.train is required: the training " + (isCsv(d) ? "CSV file"
                    : isText(d) ? "JSON-lines or CSV file" : "image folder"));
        }
        Dataset all = read(d, "data.train", Path.of(d.train()), null);
        List<String> classes = classNames(all);
        Dataset valid = d.valid() == null ? null : read(d, "data.valid", Path.of(d.valid()), classes);
        Dataset test = d.test() == null ? null : read(d, "data.test", Path.of(d.test()), classes);
        double fv = d.valid() == null ? d.split().valid() : 0;
        double ft = d.test() == null ? d.split().test() : 0;
        if (!(fv >= 0 && ft >= 0 && fv + ft < 1)) {
            throw new FrostException("data.split.valid and data.split.test must be >= 0 with a sum below 1, got "
                    + fv + " and " + ft);
        }
        Dataset train = all;
        if (fv > 0 || ft > 0) {
            int[][] parts = split(all, fv, ft, d.split().stratified(), spec.run().seed());
            train = new SubsetDataset(all, all.name() + "-train", parts[0]);
            if (fv > 0) {
                valid = new SubsetDataset(all, all.name() + "-valid", parts[1]);
            }
            if (ft > 0) {
                test = new SubsetDataset(all, all.name() + "-test", parts[2]);
            }
        }
        if (train.size() == 0) {
            throw new FrostException("data.train: no training examples left after the split");
        }
        if (classes != null && classes.size() < 2) {
            throw new FrostException("data.train: classification needs at least 2 classes, the data has "
                    + classes.size() + " " + classes);
        }
        if (fv > 0 && valid.size() == 0 || ft > 0 && test.size() == 0) {
            throw new FrostException("data.split: " + (fv > 0 && valid.size() == 0 ? "valid " + fv : "test " + ft)
                    + " of " + all.size() + " examples leaves no " + (fv > 0 && valid.size() == 0 ? "validation"
                    : "test") + " examples; use more data or set it to 0");
        }
        if ("fail".equals(d.images().onCorrupt()) && !isCsv(d) && !isText(d)) {
            checkDecodes(all, "data.train");
            if (d.valid() != null) {
                checkDecodes(valid, "data.valid");
            }
            if (d.test() != null) {
                checkDecodes(test, "data.test");
            }
        }
        return new Sources(train, valid, test, classes);
    }

    /** Another source read as the run's training data was (evaluate, predict); class ids follow {@code classes}. */
    /**
     * Texts or images to predict, labels not read: a text without a label reads as {@code classes.get(0)}; every
     * image under {@code path} counts, in class folders or none (CSV: {@link RunModels#csvFeatures}).
     */
    public static Dataset unlabelled(RunSpec.Data d, String key, Path path, List<String> classes) {
        try {
            return isText(d) ? text(d, path, classes, classes.get(0)) : images(d, path, classes);
        } catch (FrostException e) {
            throw new FrostException(key + ": " + e.getMessage(), e);
        }
    }

    public static Dataset read(RunSpec.Data d, String key, Path path, List<String> classes) {
        try {
            Dataset ds = isText(d) ? text(d, path, classes) : isCsv(d) ? csv(d, path, classes) : images(d, path);
            if (classes != null && !isCsv(d) && !isText(d) && !classes.equals(classNames(ds))) {
                throw new FrostException("class folders " + classNames(ds) + " are not the training classes "
                        + classes);
            }
            return ds;
        } catch (FrostException e) {
            throw new FrostException(key + ": " + e.getMessage(), e);
        }
    }

    static boolean isCsv(RunSpec.Data d) {
        return switch (d.type()) {
            case "csv" -> true;
            case "images", "text" -> false;
            default -> throw new FrostException("data.type: unknown source '" + d.type()
                    + "' (use images, csv or text)");
        };
    }

    static boolean isText(RunSpec.Data d) {
        return "text".equals(d.type());
    }

    /** Text datasets remember their classes here (an ArrayDataset has no class names). */
    private static final java.util.Map<Dataset, List<String>> TEXT_CLASSES =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private static Dataset text(RunSpec.Data d, Path path, List<String> classes) {
        return text(d, path, classes, null);
    }

    private static Dataset text(RunSpec.Data d, Path path, List<String> classes, String missingLabel) {
        RunSpec.Text t = d.text();
        if (t.seqLen() < 2 || t.seqLen() > 512) {
            throw new FrostException("data.text.seq_len must be in 2..512, got " + t.seqLen());
        }
        if (d.csv().delimiter().length() != 1) {
            throw new FrostException("data.csv.delimiter must be one character, got '" + d.csv().delimiter() + "'");
        }
        // a .csv file: header row, columns text_field and label_field; anything else: JSON lines
        dev.frost.text.LabeledTexts texts = dev.frost.text.LabeledTexts.read(path, t.textField(), t.labelField(),
                d.csv().delimiter().charAt(0), missingLabel);
        List<String> names = classes != null ? classes : texts.classNames();
        dev.frost.text.WordPieceTokenizer tok = "minilm".equals(t.tokenizer())
                ? dev.frost.text.onnx.MiniLm.tokenizer() : dev.frost.text.WordPieceTokenizer.fromFile(
                        Path.of(t.tokenizer()));
        Dataset ds = texts.encode(names, tok, t.seqLen());
        TEXT_CLASSES.put(ds, names);
        return ds;
    }

    private static Dataset images(RunSpec.Data d, Path path) {
        return images(d, path, null);
    }

    private static Dataset images(RunSpec.Data d, Path path, List<String> unlabelledClasses) {
        RunSpec.Images im = d.images();
        ImageFolderDataset.OnCorrupt oc = switch (im.onCorrupt()) {
            case "fail" -> ImageFolderDataset.OnCorrupt.FAIL;
            case "skip" -> ImageFolderDataset.OnCorrupt.SKIP;
            default -> throw new FrostException("data.images.on_corrupt must be fail or skip, got '"
                    + im.onCorrupt() + "'");
        };
        if (im.channels() != 1 && im.channels() != 3) {
            throw new FrostException("data.images.channels must be 1 or 3, got " + im.channels());
        }
        if (im.height() < 1 || im.width() < 1) {
            throw new FrostException("data.images.height and width must be >= 1");
        }
        ImageFolderDataset.Builder b = ImageFolderDataset.builder(path).optSize(im.height(), im.width())
                .optChannels(im.channels()).optOnCorrupt(oc);
        if (unlabelledClasses != null) {
            b.optUnlabelled(unlabelledClasses);
        }
        if (!im.mean().isEmpty() || !im.std().isEmpty()) {
            if (im.mean().size() != im.channels() || im.std().size() != im.channels()) {
                throw new FrostException("data.images.mean and std need one value per channel (" + im.channels()
                        + ")");
            }
            b.optNormalization(floats(im.mean()), floats(im.std()));
        }
        return b.build();
    }

    private static Dataset csv(RunSpec.Data d, Path path, List<String> classes) {
        RunSpec.Csv c = d.csv();
        LabelKind kind = switch (c.task()) {
            case "classification" -> LabelKind.CLASS;
            case "regression" -> LabelKind.REGRESSION;
            default -> throw new FrostException("data.csv.task must be classification or regression, got '"
                    + c.task() + "'");
        };
        if (c.labelColumns().isEmpty()) {
            throw new FrostException("data.csv.label_columns is empty");
        }
        if (c.delimiter().length() != 1) {
            throw new FrostException("data.csv.delimiter must be one character, got '" + c.delimiter() + "'");
        }
        CsvDataset.Builder b = CsvDataset.builder(path).optLabelColumns(c.labelColumns().toArray(String[]::new))
                .optLabelKind(kind).optDelimiter(c.delimiter().charAt(0));
        if (!c.featureColumns().isEmpty()) {
            b.optFeatureColumns(c.featureColumns().toArray(String[]::new));
        }
        if (classes != null) {
            b.optClassNames(classes);
        }
        return b.build();
    }

    static List<String> classNames(Dataset ds) {
        if (ds instanceof SubsetDataset s) {
            return classNames(s.base());
        }
        if (ds instanceof ImageFolderDataset im) {
            return im.classNames();
        }
        if (ds instanceof CsvDataset c) {
            return c.classNames();
        }
        return TEXT_CLASSES.get(ds);
    }

    /** The feature columns in the model's input order (CSV; null for images). */
    static List<String> featureColumns(Dataset ds) {
        Dataset base = ds instanceof SubsetDataset s ? s.base() : ds;
        return base instanceof CsvDataset c ? c.featureColumns() : null;
    }

    private static void checkDecodes(Dataset ds, String key) {
        float[] buf = new float[(int) ds.exampleShape().size()];
        for (int i = 0; i < ds.size(); i++) {
            try {
                ds.readFeatures(i, buf, 0);
            } catch (FrostException e) {
                throw new FrostException(key + ": " + e.getMessage().replace("optOnCorrupt(SKIP)",
                        "data.images.on_corrupt: skip"), e);
            }
        }
    }

    /** Example indices of train, valid and test; per class (each class keeps its share) when stratified. */
    private static int[][] split(Dataset all, double fv, double ft, boolean stratified, long seed) {
        List<List<Integer>> strata = new ArrayList<>();
        if (stratified && all.labelKind() == LabelKind.CLASS) {
            for (int c = 0; c < all.labelWidth(); c++) {
                strata.add(new ArrayList<>());
            }
            float[] label = new float[1];
            for (int i = 0; i < all.size(); i++) {
                all.readLabel(i, label, 0);
                strata.get((int) label[0]).add(i);
            }
        } else {
            List<Integer> everything = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                everything.add(i);
            }
            strata.add(everything);
        }
        List<Integer> tr = new ArrayList<>();
        List<Integer> va = new ArrayList<>();
        List<Integer> te = new ArrayList<>();
        Random rnd = new Random(seed);
        for (List<Integer> s : strata) {
            java.util.Collections.shuffle(s, rnd);
            int nv = (int) Math.round(s.size() * fv);
            int nt = (int) Math.round(s.size() * ft);
            va.addAll(s.subList(0, nv));
            te.addAll(s.subList(nv, Math.min(s.size(), nv + nt)));
            tr.addAll(s.subList(Math.min(s.size(), nv + nt), s.size()));
        }
        return new int[][] {sorted(tr), sorted(va), sorted(te)};
    }

    private static int[] sorted(List<Integer> l) {
        int[] a = l.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }

    private static float[] floats(List<Double> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = l.get(i).floatValue();
        }
        return f;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
