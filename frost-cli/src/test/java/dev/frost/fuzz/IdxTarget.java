package dev.frost.fuzz;

import dev.frost.data.ArrayDataset;
import dev.frost.data.IdxReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * {@link IdxReader#read} on an image file and a label file, plain or gzipped: header integers set to interesting
 * values (counts, rows, columns, magic), byte mutations before and after compression. An input packs both files:
 * flags (bit 0 images gzipped, bit 1 labels gzipped), the images' length (4 bytes), the images, the labels.
 */
final class IdxTarget implements Target {
    private Path work;
    private byte[] images;
    private byte[] labels;

    @Override
    public void setUp(Path work) {
        this.work = work;
        SplittableRandom r = new SplittableRandom(3);
        ByteBuffer img = ByteBuffer.allocate(16 + 6 * 4 * 4).putInt(0x803).putInt(6).putInt(4).putInt(4);
        while (img.hasRemaining()) {
            img.put((byte) r.nextInt(256));
        }
        images = img.array();
        ByteBuffer lab = ByteBuffer.allocate(8 + 6).putInt(0x801).putInt(6);
        while (lab.hasRemaining()) {
            lab.put((byte) r.nextInt(10));
        }
        labels = lab.array();
    }

    @Override
    public String[] names() {
        return new String[] {"images.idx", "labels.idx"};
    }

    @Override
    public byte[] input(SplittableRandom r) throws IOException {
        byte[] im = images;
        byte[] lb = labels;
        int which = r.nextInt(10);
        if (which < 6 || which == 9) {
            im = mutate(im, r, 4);
        }
        if (which >= 6) {
            lb = mutate(lb, r, 2);
        }
        int flags = r.nextInt(4);
        if ((flags & 1) != 0) {
            im = gzip(im, r);
        }
        if ((flags & 2) != 0) {
            lb = gzip(lb, r);
        }
        return Mutate.cat(new byte[] {(byte) flags}, ByteBuffer.allocate(4).putInt(im.length).array(), im, lb);
    }

    private static byte[] mutate(byte[] b, SplittableRandom r, int headerInts) {
        if (r.nextInt(3) > 0) {
            // header integers (big-endian)
            int ops = 1 + r.nextInt(2);
            for (int i = 0; i < ops; i++) {
                int field = r.nextInt(headerInts);
                long v = switch (r.nextInt(4)) {
                    case 0 -> Mutate.interesting(r);
                    case 1 -> ByteBuffer.wrap(b).getInt(4 * field) + r.nextInt(5) - 2;
                    case 2 -> new int[] {0x801, 0x803, 0x802, 0x0D03, 0x0803_0000, 0}[r.nextInt(6)];
                    default -> r.nextInt(70_000) - 100;
                };
                b = Mutate.put(b, 4 * field, v, 4, false);
            }
            return r.nextInt(3) == 0 ? Mutate.bytes(b, r, 2) : b;
        }
        return Mutate.bytes(b, r, 4);
    }

    private static byte[] gzip(byte[] b, SplittableRandom r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        byte[] z = out.toByteArray();
        return r.nextInt(5) == 0 ? Mutate.bytes(z, r, 2) : z;
    }

    @Override
    public void run(byte[] input) throws IOException {
        int flags = input[0];
        int imLen = ByteBuffer.wrap(input, 1, 4).getInt();
        Path im = work.resolve((flags & 1) != 0 ? "images.idx.gz" : "images.idx");
        Path lb = work.resolve((flags & 2) != 0 ? "labels.idx.gz" : "labels.idx");
        Files.write(im, java.util.Arrays.copyOfRange(input, 5, 5 + imLen));
        Files.write(lb, java.util.Arrays.copyOfRange(input, 5 + imLen, input.length));
        try {
            ArrayDataset d = IdxReader.read("fuzz", im, lb, 10, "");
            if (d.size() <= 0) {
                throw new AssertionError("empty dataset");
            }
        } finally {
            Files.delete(im);
            Files.delete(lb);
        }
    }
}
