package dev.frost.train;

/** Where a run stands; a checkpoint stores it, and a resumed run continues from it. */
public record Progress(int epoch, long stepInEpoch, long globalStep) {
    public static final Progress START = new Progress(0, 0, 0);

    Progress nextStep() {
        return new Progress(epoch, stepInEpoch + 1, globalStep + 1);
    }

    Progress nextEpoch() {
        return new Progress(epoch + 1, 0, globalStep);
    }
}
