package dev.frost.fuzz;

import dev.frost.data.ArrayDataset;
import dev.frost.examples.DigitsGrid;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * {@link DigitsGrid#read(Path)} on PNGs written here (a 2000x1000 grey grid, the same as a 1-bit palette image, a
 * small grey image): the IHDR's width, height, bit depth and colour type set to other values (with the chunk's CRC
 * fixed or not), then byte mutations and truncations.
 */
final class DigitsTarget implements Target {
    static final String FILE = "digits.png";
    private Path file;
    private byte[][] seeds;

    @Override
    public void setUp(Path work) throws IOException {
        file = work.resolve(FILE);
        BufferedImage grey = new BufferedImage(DigitsGrid.WIDTH, DigitsGrid.HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage binary = new BufferedImage(DigitsGrid.WIDTH, DigitsGrid.HEIGHT, BufferedImage.TYPE_BYTE_BINARY);
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 3000; i++) {
            int x = r.nextInt(DigitsGrid.WIDTH);
            int y = r.nextInt(DigitsGrid.HEIGHT);
            grey.getRaster().setSample(x, y, 0, r.nextInt(256));
            binary.getRaster().setSample(x, y, 0, 1);
        }
        BufferedImage small = new BufferedImage(20, 10, BufferedImage.TYPE_BYTE_GRAY);
        seeds = new byte[][] {png(grey), png(binary), png(small)};
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Override
    public String[] names() {
        return new String[] {FILE};
    }

    @Override
    public byte[] input(SplittableRandom r) {
        byte[] b = seeds[r.nextInt(seeds.length)].clone();
        if (r.nextInt(3) > 0) {
            // IHDR data at 16..28: width, height (big-endian), bit depth, colour type, compression, filter, interlace
            int field = r.nextInt(7);
            if (field < 2) {
                b = Mutate.put(b, 16 + 4 * field, r.nextBoolean() ? Mutate.interesting(r) : r.nextInt(70_000), 4,
                        false);
            } else {
                b[22 + field] = (byte) new int[] {0, 1, 2, 3, 4, 6, 8, 16, 255}[r.nextInt(9)];
            }
            if (r.nextBoolean()) {
                CRC32 crc = new CRC32();
                crc.update(b, 12, 17);
                b = Mutate.put(b, 29, crc.getValue(), 4, false);
            }
            return r.nextInt(3) == 0 ? Mutate.bytes(b, r, 2) : b;
        }
        return Mutate.bytes(b, r, 4);
    }

    @Override
    public void run(byte[] input) throws IOException {
        Files.write(file, input);
        ArrayDataset d = DigitsGrid.read(file);
        if (d.size() != 5000) {
            throw new AssertionError(d.size() + " digits");
        }
    }
}
