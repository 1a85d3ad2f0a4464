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
        String base = data.name().replaceFirst("-(train|test)$", "");
        return new Split(data.subset(base + "-train", toArray(train)), data.subset(base + "-valid", toArray(valid)),
                data.subset(base + "-test", toArray(test)));
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
