#!/usr/bin/env python3
"""Writes the small example data sets of the README's `frost train` examples (no dependencies beyond Python 3).

data/examples/shapes/{bar,circle,square}/NNN.png  - 28x28 grey shapes at random positions (150 per class)
data/examples/shapes-test/...                      - 40 more per class, never trained on
data/examples/iris-like.csv                        - 4 numeric features, 3 classes (600 rows) + a test file
data/examples/houses.csv                           - 3 features and a price to regress (600 rows)
"""
import math, os, random, struct, sys, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "examples")


def png(path, pixels, w, h):
    raw = b"".join(b"\x00" + bytes(pixels[y * w:(y + 1) * w]) for y in range(h))
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def shape(kind, rnd):
    px = [0] * 28 * 28
    s = rnd.randint(10, 17); x0 = rnd.randint(0, 27 - s); y0 = rnd.randint(0, 27 - s)
    for y in range(28):
        for x in range(28):
            if kind == "bar":
                on = 2 <= x < 26 and y0 <= y < y0 + 3
            elif kind == "circle":
                on = (x - x0 - s / 2) ** 2 + (y - y0 - s / 2) ** 2 <= (s / 2) ** 2
            else:
                on = x0 <= x <= x0 + s and y0 <= y <= y0 + s and (x in (x0, x0 + s) or y in (y0, y0 + s))
            px[y * 28 + x] = 255 if on else rnd.randint(0, 40)
    return px


def images(folder, per_class, seed):
    rnd = random.Random(seed)
    for kind in ("bar", "circle", "square"):
        os.makedirs(os.path.join(folder, kind), exist_ok=True)
        for i in range(per_class):
            png(os.path.join(folder, kind, "%03d.png" % i), shape(kind, rnd), 28, 28)


def classes_csv(path, rows, seed):
    rnd = random.Random(seed)
    centers = {"setosa": (5.0, 3.4, 1.5, 0.2), "versicolor": (5.9, 2.8, 4.3, 1.3), "virginica": (6.6, 3.0, 5.6, 2.0)}
    with open(path, "w") as f:
        f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
        for i in range(rows):
            name = list(centers)[i % 3]
            f.write(",".join("%.2f" % (c + rnd.gauss(0, 0.35)) for c in centers[name]) + "," + name + "\n")


def houses_csv(path, rows, seed):
    rnd = random.Random(seed)
    with open(path, "w") as f:
        f.write("rooms,area,age,price\n")
        for _ in range(rows):
            rooms = rnd.randint(1, 6); area = rooms * 20 + rnd.gauss(0, 10); age = rnd.uniform(0, 60)
            price = 0.5 * rooms + 0.03 * area - 0.01 * age + rnd.gauss(0, 0.1)
            f.write("%d,%.1f,%.1f,%.3f\n" % (rooms, area, age, price))


if __name__ == "__main__":
    images(os.path.join(ROOT, "shapes"), 150, 1)
    images(os.path.join(ROOT, "shapes-test"), 40, 2)
    classes_csv(os.path.join(ROOT, "iris-like.csv"), 600, 3)
    classes_csv(os.path.join(ROOT, "iris-like-test.csv"), 150, 4)
    houses_csv(os.path.join(ROOT, "houses.csv"), 600, 5)
    print("wrote", os.path.normpath(ROOT))
