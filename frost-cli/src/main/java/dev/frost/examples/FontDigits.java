package dev.frost.examples;

import ai.djl.ndarray.types.Shape;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontFormatException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Synthetic handwriting-like digits rendered with Java2D from the TrueType/OpenType fonts of Debian font packages
 * ({@code scripts/fetch-data.sh --fonts}): a pretraining source for the transfer demo that contains no MNIST image.
 * Each image draws a package, then one of its fonts (so a family with 70 files weighs no more than a handwriting
 * font with one), renders the digit's outline with a random slant, rotation, aspect and added stroke width, frames it
 * as the demo's digits are framed (about 15 pixels tall, centred in 28x28: OpenCV's cells are MNIST resized to
 * 20x20), then bends it with an elastic distortion (Simard et al. 2003). Pixels are white on black in [0, 1], like
 * the demo's digits. Image {@code i} depends only on the seed, {@code i} and the font list, so sets are reproducible
 * and can be rendered in parallel.
 */
public final class FontDigits {
    public static final int SIDE = 28;
    private static final int SUPER = 4;
    private static final int CANVAS = SIDE * SUPER;
    private static final String DIGITS = "0123456789";
    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);

    /** Fonts grouped by the package folder they came from. */
    public record FontSet(List<List<Font>> packages, int files, int skipped) {
        public int fonts() {
            return packages.stream().mapToInt(List::size).sum();
        }
    }

    private FontDigits() {}

    /** The default folder: {@code $FROST_DATA_DIR/fonts}, else {@code data/fonts}. */
    public static Path defaultDir() {
        String env = System.getenv("FROST_DATA_DIR");
        return Path.of(env != null ? env : "data").resolve("fonts");
    }

    /**
     * Loads every .ttf/.otf under {@code dir}, one group per sub-folder (package); fonts that cannot draw all ten
     * digits, or whose digits are symbols (Dingbats, symbol and math faces), are skipped.
     */
    public static FontSet load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new FrostException("missing font folder " + dir + ": run scripts/fetch-data.sh --fonts");
        }
        TreeMap<String, List<Font>> groups = new TreeMap<>();
        int files = 0;
        int skipped = 0;
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = s.filter(Files::isRegularFile).filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".ttf") || n.endsWith(".otf");
            }).sorted().toList();
        } catch (IOException e) {
            throw new FrostException("cannot list fonts in " + dir + ": " + e.getMessage(), e);
        }
        for (Path p : paths) {
            files++;
            Font f = readFont(p);
            if (f == null || !drawsDigits(f)) {
                skipped++;
                continue;
            }
            String group = dir.relativize(p).getNameCount() > 1 ? dir.relativize(p).getName(0).toString() : "";
            groups.computeIfAbsent(group, k -> new ArrayList<>()).add(f);
        }
        if (groups.isEmpty()) {
            throw new FrostException("no usable font in " + dir + " (" + files + " font files): run"
                    + " scripts/fetch-data.sh --fonts");
        }
        return new FontSet(List.copyOf(groups.values()), files, skipped);
    }

    private static Font readFont(Path p) {
        try {
            return Font.createFont(Font.TRUETYPE_FONT, p.toFile()).deriveFont(100f);
        } catch (FontFormatException | IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean drawsDigits(Font f) {
        String name = f.getFontName(Locale.ROOT).toLowerCase(Locale.ROOT);
        if (name.contains("dingbat") || name.contains("symbol") || name.contains("math")) {
            return false;
        }
        if (f.canDisplayUpTo(DIGITS) != -1) {
            return false;
        }
        for (char c : DIGITS.toCharArray()) {
            Rectangle2D b = outline(f, c).getBounds2D();
            if (b.getWidth() < 5 || b.getHeight() < 20) {
                return false;
            }
        }
        return true;
    }

    private static java.awt.Shape outline(Font f, char c) {
        return f.createGlyphVector(FRC, String.valueOf(c)).getOutline();
    }

    /** {@code count} images, digit {@code i % 10} for image {@code i} (balanced classes). */
    public static ArrayDataset render(FontSet fonts, int count, long seed, String name) {
        if (count <= 0) {
            throw new FrostException("need a positive number of images, got " + count);
        }
        float[] x = new float[count * SIDE * SIDE];
        int[] y = new int[count];
        IntStream.range(0, count).parallel().forEach(i -> {
            y[i] = i % 10;
            float[] img = renderOne(fonts, y[i], new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i));
            System.arraycopy(img, 0, x, i * SIDE * SIDE, SIDE * SIDE);
        });
        return new ArrayDataset(name, x, y, new Shape(1, SIDE, SIDE), 10);
    }

    static float[] renderOne(FontSet fonts, int digit, SplittableRandom rnd) {
        List<Font> pack = fonts.packages().get(rnd.nextInt(fonts.packages().size()));
        Font font = pack.get(rnd.nextInt(pack.size()));
        java.awt.Shape glyph = outline(font, DIGITS.charAt(digit));
        // slant (handwriting leans right more often than left), small rotation, narrower or wider
        AffineTransform warp = new AffineTransform();
        warp.rotate(Math.toRadians(uniform(rnd, -12, 12)));
        warp.shear(uniform(rnd, -0.25, 0.45), 0);
        warp.scale(uniform(rnd, 0.75, 1.25), 1);
        java.awt.Shape warped = warp.createTransformedShape(glyph);
        Rectangle2D b = warped.getBounds2D();
        double extraStroke = uniform(rnd, 0, 1.2);              // pixels added to the font's stroke, at 28x28
        double height = uniform(rnd, 12.5, 16.5);               // the demo's digits: 15 px tall on average
        double scale = Math.min((height - extraStroke) / b.getHeight(), (22 - extraStroke) / b.getWidth());
        double cx = 14 + uniform(rnd, -0.8, 0.8);
        double cy = 14 + uniform(rnd, -0.8, 0.8);
        AffineTransform place = new AffineTransform();
        place.scale(SUPER, SUPER);
        place.translate(cx, cy);
        place.scale(scale, scale);
        place.translate(-b.getCenterX(), -b.getCenterY());
        java.awt.Shape shape = place.createTransformedShape(warped);

        BufferedImage canvas = new BufferedImage(CANVAS, CANVAS, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = canvas.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fill(shape);
            if (extraStroke > 0.05) {
                g.setStroke(new BasicStroke((float) (extraStroke * SUPER), BasicStroke.CAP_ROUND,
                        BasicStroke.JOIN_ROUND));
                g.draw(shape);
            }
        } finally {
            g.dispose();
        }
        byte[] px = ((DataBufferByte) canvas.getRaster().getDataBuffer()).getData();
        float[] img = new float[SIDE * SIDE];
        for (int yy = 0; yy < CANVAS; yy++) {
            for (int xx = 0; xx < CANVAS; xx++) {
                img[(yy / SUPER) * SIDE + xx / SUPER] += (px[yy * CANVAS + xx] & 0xff) / (255f * SUPER * SUPER);
            }
        }
        if (rnd.nextDouble() < 0.8) {
            img = elastic(img, uniform(rnd, 10, 40), 4.0, rnd);
        }
        return img;
    }

    /** Simard's elastic distortion: a random displacement field smoothed by a Gaussian, bilinear resampling. */
    static float[] elastic(float[] img, double alpha, double sigma, SplittableRandom rnd) {
        double[] dx = smooth(noise(rnd), sigma);
        double[] dy = smooth(noise(rnd), sigma);
        float[] out = new float[img.length];
        for (int yy = 0; yy < SIDE; yy++) {
            for (int xx = 0; xx < SIDE; xx++) {
                int i = yy * SIDE + xx;
                out[i] = bilinear(img, xx + alpha * dx[i], yy + alpha * dy[i]);
            }
        }
        return out;
    }

    private static double[] noise(SplittableRandom rnd) {
        double[] d = new double[SIDE * SIDE];
        for (int i = 0; i < d.length; i++) {
            d[i] = rnd.nextDouble() * 2 - 1;
        }
        return d;
    }

    private static double[] smooth(double[] d, double sigma) {
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return pass(pass(d, k, 1, SIDE), k, SIDE, 1); // rows, then columns
    }

    /** One 1-D pass of kernel {@code k} along {@code step} (1: rows, SIDE: columns); zero beyond the border. */
    private static double[] pass(double[] d, double[] k, int step, int across) {
        int r = k.length / 2;
        double[] out = new double[d.length];
        for (int line = 0; line < SIDE; line++) {
            for (int i = 0; i < SIDE; i++) {
                double s = 0;
                for (int j = -r; j <= r; j++) {
                    int c = i + j;
                    s += c >= 0 && c < SIDE ? k[j + r] * d[line * across + c * step] : 0;
                }
                out[line * across + i * step] = s;
            }
        }
        return out;
    }

    private static float bilinear(float[] img, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        return (float) ((1 - fy) * ((1 - fx) * at(img, x0, y0) + fx * at(img, x0 + 1, y0))
                + fy * ((1 - fx) * at(img, x0, y0 + 1) + fx * at(img, x0 + 1, y0 + 1)));
    }

    private static float at(float[] img, int x, int y) {
        return x < 0 || y < 0 || x >= SIDE || y >= SIDE ? 0f : img[y * SIDE + x];
    }

    private static double uniform(SplittableRandom rnd, double lo, double hi) {
        return lo + (hi - lo) * rnd.nextDouble();
    }
}
