package dev.frost.train;

/**
 * Where a run stands; a checkpoint stores it, and a resumed run continues from it. A run is a sequence of
 * {@code fit} calls (re-entrant, as Keras's and fastai's): {@code epoch} and {@code globalStep} count over the whole
 * run, {@code fitCall} numbers the calls, and the current call began at {@code callStartEpoch}/{@code callStartStep}
 * and spans {@code callEpochs} epochs (its schedule spans exactly those). A call is in progress while
 * {@code epoch < callStartEpoch + callEpochs}.
 */
public record Progress(int epoch, long stepInEpoch, long globalStep, int fitCall, int callStartEpoch,
                       long callStartStep, int callEpochs) {
    public static final Progress START = new Progress(0, 0, 0, 0, 0, 0, 0);

    /** Whether a fit call was interrupted (a stop request, a crash and resume) and has epochs left. */
    public boolean inCall() {
        return callEpochs > 0 && epoch < callStartEpoch + callEpochs;
    }

    /** Epochs done in the current call. */
    public int epochInCall() {
        return epoch - callStartEpoch;
    }

    /** Steps done in the current call. */
    public long stepInCall() {
        return globalStep - callStartStep;
    }

    Progress nextStep() {
        return new Progress(epoch, stepInEpoch + 1, globalStep + 1, fitCall, callStartEpoch, callStartStep,
                callEpochs);
    }

    Progress nextEpoch() {
        return new Progress(epoch + 1, 0, globalStep, fitCall, callStartEpoch, callStartStep, callEpochs);
    }

    /** A new fit call of {@code epochs} epochs starting here. */
    Progress newCall(int epochs) {
        return new Progress(epoch, 0, globalStep, fitCall + 1, epoch, globalStep, epochs);
    }

    /** Ends the current call where it stands (early stopping): the next fit starts a new one. */
    Progress endCall() {
        return new Progress(stepInEpoch == 0 ? epoch : epoch + 1, 0, globalStep, fitCall, callStartEpoch,
                callStartStep, Math.max(0, (stepInEpoch == 0 ? epoch : epoch + 1) - callStartEpoch));
    }
}
