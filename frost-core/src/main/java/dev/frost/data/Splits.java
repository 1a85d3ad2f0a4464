package dev.frost.data;

import dev.frost.FrostException;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Fixed-seed, class-stratified splits. */
public final class Splits {
    private Splits() {}

    /** Train, validation and test parts; the test part holds every example not drawn for the other two. */
    public record Split(ArrayDataset train, ArrayDataset valid, ArrayDataset test) {}

    /** {@code trainPerClass} and {@code validPerClass} examples of each class, drawn with {@code seed}; the rest is test. */
    public static Split stratified(ArrayDataset data, int trainPerClass, int validPerClass, long seed) {
        Indices ix = stratifiedIndices(data, trainPerClass, validPerClass, seed);
        String base = data.name().replaceFirst("-(train|test)$", "");
        return new Split(data.subset(base + "-train", ix.train()), data.subset(base + "-valid", ix.valid()),
                data.subset(base + "-test", ix.test()));
    }

    /** Which examples of the data each part of a split holds (so a split can be written out under stable names). */
    public record Indices(int[] train, int[] valid, int[] test) {}

    /** {@link #stratified}'s split as example indices. */
    public static Indices stratifiedIndices(ArrayDataset data, int trainPerClass, int validPerClass, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < data.classes(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < data.size(); i++) {
            byClass.get(data.label(i)).add(i);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> valid = new ArrayList<>();
        List<Integer> test = new ArrayList<>();
        for (int c = 0; c < byClass.size(); c++) {
            List<Integer> idx = byClass.get(c);
            if (idx.size() < trainPerClass + validPerClass) {
                throw new FrostException("class " + c + " of '" + data.name() + "' has " + idx.size()
                        + " examples, fewer than the " + (trainPerClass + validPerClass) + " asked for");
            }
            for (int i = idx.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Integer t = idx.get(i);
                idx.set(i, idx.get(j));
                idx.set(j, t);
            }
            train.addAll(idx.subList(0, trainPerClass));
            valid.addAll(idx.subList(trainPerClass, trainPerClass + validPerClass));
            test.addAll(idx.subList(trainPerClass + validPerClass, idx.size()));
        }
        return new Indices(toArray(train), toArray(valid), toArray(test));
    }

    /** One fold of a k-fold split: train on the other folds, validate on this one. */
    public record Fold(int index, ArrayDataset train, ArrayDataset valid) {}

    /**
     * k-fold cross-validation: the examples shuffled with {@code seed} (class by class for class labels, so each
     * fold keeps the class balance, as scikit-learn's StratifiedKFold) and dealt into {@code k} folds; fold i
     * validates on part i and trains on the rest. Every example is validated exactly once.
     */
    public static List<Fold> kFold(ArrayDataset data, int k, long seed) {
        if (k < 2 || k > data.size()) {
            throw new FrostException("k-fold needs 2 <= k <= " + data.size() + " (the examples of '" + data.name()
                    + "'), got " + k);
        }
        List<List<Integer>> strata = new ArrayList<>();
        if (data.labelKind() == LabelKind.CLASS) {
            for (int c = 0; c < data.classes(); c++) {
                strata.add(new ArrayList<>());
            }
            for (int i = 0; i < data.size(); i++) {
                strata.get(data.label(i)).add(i);
            }
        } else {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < data.size(); i++) {
                all.add(i);
            }
            strata.add(all);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        List<List<Integer>> parts = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            parts.add(new ArrayList<>());
        }
        int next = 0;
        for (List<Integer> idx : strata) {
            for (int i = idx.size() - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                Integer t = idx.get(i);
                idx.set(i, idx.get(j));
                idx.set(j, t);
            }
            for (int i : idx) {
                parts.get(next).add(i);
                next = (next + 1) % k;
            }
        }
        List<Fold> folds = new ArrayList<>();
        for (int f = 0; f < k; f++) {
            List<Integer> train = new ArrayList<>();
            for (int g = 0; g < k; g++) {
                if (g != f) {
                    train.addAll(parts.get(g));
                }
            }
            folds.add(new Fold(f, data.subset(data.name() + "-fold" + f + "-train", toArray(train)),
                    data.subset(data.name() + "-fold" + f + "-valid", toArray(parts.get(f)))));
        }
        return folds;
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
