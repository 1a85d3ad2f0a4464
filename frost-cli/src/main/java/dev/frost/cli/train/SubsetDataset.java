package dev.frost.cli.train;

import ai.djl.ndarray.types.Shape;
import dev.frost.data.Dataset;
import dev.frost.data.Fingerprints;
import dev.frost.data.LabelKind;

import java.util.Map;

/** A view of some examples of any dataset (an image folder is never loaded whole), for seeded splits. */
final class SubsetDataset implements Dataset {
    private final Dataset base;
    private final String name;
    private final int[] indices;
    private final long fingerprint;

    SubsetDataset(Dataset base, String name, int[] indices) {
        this.base = base;
        this.name = name;
        this.indices = indices.clone();
        long f = Fingerprints.mix(base.fingerprint(), name);
        for (int i : indices) {
            f = Fingerprints.mix(f, i);
        }
        this.fingerprint = f;
    }

    Dataset base() {
        return base;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public Shape exampleShape() {
        return base.exampleShape();
    }

    @Override
    public Map<String, Shape> sideInputShapes() {
        return base.sideInputShapes();
    }

    @Override
    public LabelKind labelKind() {
        return base.labelKind();
    }

    @Override
    public int labelWidth() {
        return base.labelWidth();
    }

    @Override
    public long fingerprint() {
        return fingerprint;
    }

    @Override
    public void readFeatures(int index, float[] dst, int offset) {
        base.readFeatures(indices[index], dst, offset);
    }

    @Override
    public void readSideInput(String side, int index, float[] dst, int offset) {
        base.readSideInput(side, indices[index], dst, offset);
    }

    @Override
    public void readLabel(int index, float[] dst, int offset) {
        base.readLabel(indices[index], dst, offset);
    }
}
