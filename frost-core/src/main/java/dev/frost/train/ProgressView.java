package dev.frost.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.util.Locale;

/** A progress bar on an interactive terminal; nothing when output goes to a log (CI), where epochs are logged. */
final class ProgressView implements AutoCloseable {
    private final ProgressBar bar;

    private ProgressView(ProgressBar bar) {
        this.bar = bar;
    }

    static ProgressView open(boolean wanted, String task, long total, long done) {
        if (!wanted || System.console() == null) {
            return new ProgressView(null);
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate().build();
        bar.stepTo(done);
        return new ProgressView(bar);
    }

    void step(double loss) {
        if (bar != null) {
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f", loss));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
