package dev.frost.data;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Images in class folders, as Keras' {@code image_dataset_from_directory} reads them: {@code root/<class>/...}
 * holds the images of one class (sub-folders included; {@code .png .jpg .jpeg .bmp .gif}, any case; hidden files
 * ignored). Class names sorted alphabetically give the class ids, and files sorted by path give a stable example
 * order. Each read decodes and resizes one image (bilinear, Java2D, aspect ratio not kept), so opening is cheap and
 * the set never sits in the heap.
 *
 * <p>Examples are {@code (channels, height, width)} floats (channels first, as the models expect) scaled to [0, 1]
 * and then, optionally, normalized per channel as {@code (v - mean) / std}. Three channels are RGB (alpha dropped,
 * composed over black); one channel is luma {@code 0.299 R + 0.587 G + 0.114 B}, as PIL's "L" mode. Defaults: 256 x
 * 256, 3 channels, no normalization, corrupt images fail.
 */
public final class ImageFolderDataset implements Dataset {
    private static final Logger LOG = LoggerFactory.getLogger(ImageFolderDataset.class);
    /** File extensions read as images (lower case). */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** What to do with an image that does not decode. */
    public enum OnCorrupt {
        /** Reading it throws a one-line error naming the file (opening does not decode anything). */
        FAIL,
        /** Opening decodes every image once and drops those that fail, logging how many. */
        SKIP
    }

    private final Path root;
    private final String name;
    private final List<String> classNames;
    private final Path[] files;
    private final int[] labels;
    private final int height;
    private final int width;
    private final int channels;
    private final float[] mean;
    private final float[] std;
    private volatile long fingerprint;

    private ImageFolderDataset(Builder b, List<String> classNames, Path[] files, int[] labels) {
        this.root = b.root;
        this.name = b.name != null ? b.name : String.valueOf(b.root.getFileName());
        this.classNames = List.copyOf(classNames);
        this.files = files;
        this.labels = labels;
        this.height = b.height;
        this.width = b.width;
        this.channels = b.channels;
        this.mean = b.mean;
        this.std = b.std;
    }

    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Options of an image folder; {@link #build()} lists the files (and, with SKIP, checks they decode). */
    public static final class Builder {
        private final Path root;
        private String name;
        private int height = 256;
        private int width = 256;
        private int channels = 3;
        private float[] mean;
        private float[] std;
        private OnCorrupt onCorrupt = OnCorrupt.FAIL;
        private List<String> unlabelledClasses;

        private Builder(Path root) {
            this.root = root;
        }

        /** The size every image is resized to (Keras' {@code image_size}); default 256 x 256. */
        public Builder optSize(int height, int width) {
            if (height <= 0 || width <= 0) {
                throw new FrostException("image size must be positive, got " + height + "x" + width);
            }
            this.height = height;
            this.width = width;
            return this;
        }

        /** 1 (grey) or 3 (RGB, the default). */
        public Builder optChannels(int channels) {
            if (channels != 1 && channels != 3) {
                throw new FrostException("image channels must be 1 (grey) or 3 (RGB), got " + channels);
            }
            this.channels = channels;
            return this;
        }

        /** Per-channel {@code (v - mean) / std} after scaling to [0, 1]; one value per channel. */
        public Builder optNormalization(float[] mean, float[] std) {
            if (mean.length != std.length) {
                throw new FrostException("image normalization needs as many means as stds, got " + mean.length
                        + " and " + std.length);
            }
            for (float s : std) {
                if (!(s > 0)) {
                    throw new FrostException("image normalization stds must be positive, got " + Arrays.toString(std));
                }
            }
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        public Builder optOnCorrupt(OnCorrupt onCorrupt) {
            this.onCorrupt = onCorrupt;
            return this;
        }

        /**
         * Images to predict: every image under the root, in any sub-folders or none, with no class taken from the
         * folders; each gets the placeholder label 0 of {@code classNames} (the training classes, for the label width).
         */
        public Builder optUnlabelled(List<String> classNames) {
            if (classNames == null || classNames.isEmpty()) {
                throw new FrostException("unlabelled images still need the training classes' names");
            }
            this.unlabelledClasses = List.copyOf(classNames);
            return this;
        }

        /** The dataset's name; default the root folder's name. */
        public Builder optName(String name) {
            this.name = name;
            return this;
        }

        public ImageFolderDataset build() {
            if (mean != null && mean.length != channels) {
                throw new FrostException("image normalization has " + mean.length + " means but the images have "
                        + channels + " channel(s)");
            }
            if (!Files.isDirectory(root)) {
                throw new FrostException("image folder " + root + (Files.exists(root) ? " is not a folder"
                        : " does not exist"));
            }
            if (unlabelledClasses != null) {
                List<Path> files = new ArrayList<>(images(root));
                if (files.isEmpty()) {
                    throw new FrostException("image folder " + root + " holds no images (.png, .jpg, .jpeg, .bmp,"
                            + " .gif)");
                }
                List<Integer> labels = new ArrayList<>(java.util.Collections.nCopies(files.size(), 0));
                if (onCorrupt == OnCorrupt.SKIP) {
                    skipCorrupt(files, labels);
                }
                return new ImageFolderDataset(this, unlabelledClasses, files.toArray(Path[]::new), new int[files.size()]);
            }
            List<Path> classDirs = listSorted(root, true);
            if (classDirs.isEmpty()) {
                throw new FrostException("image folder " + root + " has no class folders: expected "
                        + "<root>/<class name>/<images>");
            }
            List<String> names = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            List<Integer> labels = new ArrayList<>();
            for (Path dir : classDirs) {
                List<Path> images = images(dir);
                if (images.isEmpty()) {
                    throw new FrostException("class folder " + dir + " holds no images (.png, .jpg, .jpeg, .bmp,"
                            + " .gif)");
                }
                for (Path p : images) {
                    files.add(p);
                    labels.add(names.size());
                }
                names.add(dir.getFileName().toString());
            }
            if (onCorrupt == OnCorrupt.SKIP) {
                skipCorrupt(files, labels);
                for (int c = 0; c < names.size(); c++) { // as an empty class folder is refused, so is one emptied
                    if (!labels.contains(c)) {
                        throw new FrostException("class folder " + root.resolve(names.get(c)) + " holds no image"
                                + " that decodes (every one was skipped as corrupt)");
                    }
                }
            }
            return new ImageFolderDataset(this, names, files.toArray(Path[]::new),
                    labels.stream().mapToInt(Integer::intValue).toArray());
        }

        private void skipCorrupt(List<Path> files, List<Integer> labels) {
            List<Path> keptFiles = new ArrayList<>();
            List<Integer> keptLabels = new ArrayList<>();
            Path firstBad = null;
            for (int i = 0; i < files.size(); i++) {
                if (decode(files.get(i)) != null) {
                    keptFiles.add(files.get(i));
                    keptLabels.add(labels.get(i));
                } else if (firstBad == null) {
                    firstBad = files.get(i);
                }
            }
            int skipped = files.size() - keptFiles.size();
            if (skipped > 0) {
                LOG.warn("skipped {} of {} images in {} that do not decode (first: {})", skipped, files.size(),
                        root, firstBad);
            }
            files.clear();
            files.addAll(keptFiles);
            labels.clear();
            labels.addAll(keptLabels);
            if (files.isEmpty()) {
                throw new FrostException("image folder " + root + " has no image that decodes");
            }
        }
    }

    private static List<Path> listSorted(Path dir, boolean folders) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> folders == Files.isDirectory(p))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new FrostException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Image files under a class folder, recursively, sorted by their path within it. */
    private static List<Path> images(Path classDir) {
        // a class folder that is a symbolic link is listed through it (walk does not enter a link it starts at);
        // the files keep their paths under the link
        Path base;
        try {
            base = Files.isSymbolicLink(classDir) ? classDir.toRealPath() : classDir;
        } catch (IOException e) {
            throw new FrostException("cannot list " + classDir + ": " + dev.frost.Untrusted.reason(e), e);
        }
        try (Stream<Path> s = Files.walk(base)) {
            return s.map(p -> base == classDir ? p : classDir.resolve(base.relativize(p)))
                    .filter(Files::isRegularFile).filter(ImageFolderDataset::isImage)
                    .filter(p -> !hidden(classDir.relativize(p)))
                    .sorted((a, b) -> classDir.relativize(a).toString().compareTo(classDir.relativize(b).toString()))
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new FrostException("cannot list " + classDir + ": " + e.getMessage(), e);
        }
    }

    private static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The decoded image, or null when it cannot be read or decoded. */
    private static BufferedImage decode(Path file) {
        try {
            return ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Class names in id order. */
    public List<String> classNames() {
        return classNames;
    }

    /** The image file of example {@code index}. */
    public Path file(int index) {
        return files[index];
    }

    /** The class id of example {@code index}. */
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return files.length;
    }

    @Override
    public Shape exampleShape() {
        return new Shape(channels, height, width);
    }

    @Override
    public LabelKind labelKind() {
        return LabelKind.CLASS;
    }

    @Override
    public int labelWidth() {
        return classNames.size();
    }

    /**
     * The folder's content fingerprint (remembered in {@code root/.frost-fingerprint}, so an unchanged folder is not
     * read again) mixed with the options and the files kept.
     */
    @Override
    public long fingerprint() {
        long f = fingerprint;
        if (f == 0) {
            f = Fingerprints.mix(Fingerprints.ofFolder(root), height * 31L + width);
            f = Fingerprints.mix(f, channels + "|" + Arrays.toString(mean) + "|" + Arrays.toString(std) + "|"
                    + classNames);
            for (Path p : files) {
                f = Fingerprints.mix(f, root.relativize(p).toString());
            }
            fingerprint = f;
        }
        return f;
    }

    @Override
    public void readFeatures(int index, float[] dst, int offset) {
        Path file = files[index];
        BufferedImage src = decode(file);
        if (src == null) {
            throw new FrostException("cannot decode image " + file + ": corrupt or not an image (use"
                    + " optOnCorrupt(SKIP) to drop such files)");
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        int plane = width * height;
        for (int i = 0; i < plane; i++) {
            int rgb = px[i];
            float r = ((rgb >> 16) & 0xFF) / 255f;
            float gr = ((rgb >> 8) & 0xFF) / 255f;
            float b = (rgb & 0xFF) / 255f;
            if (channels == 1) {
                dst[offset + i] = norm(0, 0.299f * r + 0.587f * gr + 0.114f * b);
            } else {
                dst[offset + i] = norm(0, r);
                dst[offset + plane + i] = norm(1, gr);
                dst[offset + 2 * plane + i] = norm(2, b);
            }
        }
    }

    private float norm(int c, float v) {
        return mean == null ? v : (v - mean[c]) / std[c];
    }

    @Override
    public void readLabel(int index, float[] dst, int offset) {
        dst[offset] = labels[index];
    }
}
