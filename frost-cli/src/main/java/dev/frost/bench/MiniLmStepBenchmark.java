package dev.frost.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.frost.FrostException;
import dev.frost.data.ArrayDataset;
import dev.frost.data.Batch;
import dev.frost.data.HostBatch;
import dev.frost.examples.SpamAssassin;
import dev.frost.examples.SpamFineTune;
import dev.frost.freeze.optim.AdamW;
import dev.frost.model.FrostModel;
import dev.frost.text.TextDatasets;
import dev.frost.text.bert.Bert;
import dev.frost.text.bert.TorchFiles;
import dev.frost.text.onnx.MiniLm;
import dev.frost.train.RunInfo;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * {@code frost bench minilm-step}: one training step of the MiniLM-L6 classifier (batch of real e-mails, AdamW) in
 * Frost and in PyTorch ({@code minilm_torch.py} on the very same weights and batch), four ways: nothing frozen, the
 * embeddings and 4 layers frozen, the whole encoder frozen (head only, no cache), and forward only. Frost and the
 * PyTorch process alternate mode by mode within every repeat, so drift hits both alike; the first repeat warms up
 * and is not counted. With memory, each mode also runs in a fresh process on each side: the memory a step adds is
 * the peak resident set during the steps minus the resident set of the idle process with the model loaded. Both
 * sides' memory processes run with glibc's mmap threshold fixed ({@link #LIVE_MEMORY_ENV}, unless
 * {@code defaultMalloc}): by default glibc raises the threshold as large blocks are freed and then serves tensors from
 * heaps it does not give back, so the resident set tracks the allocator's history rather than the live tensors (the
 * same PyTorch step peaked anywhere from 1.1 to 1.5 GB in fresh processes); with it fixed, large tensors are mapped
 * and unmapped one by one and the figure repeats within a few MiB.
 */
public final class MiniLmStepBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double LR = 1e-4;
    /** glibc setting for the memory processes: large blocks always mapped and returned on free. */
    public static final Map<String, String> LIVE_MEMORY_ENV = Map.of("MALLOC_MMAP_THRESHOLD_", "131072");

    /** The compared steps; {@code frozenGroups} of the classifier's 8 (embeddings, layer0..5, head), -1: forward. */
    public enum Mode {
        FULL("full fine-tuning", "full", 0),
        FROZEN4("embeddings + 4 layers frozen", "frozen:4", 5),
        HEAD("all 6 layers frozen (head only, no cache)", "head", 7),
        FORWARD("forward only", "forward", -1);

        private final String label;
        private final String peerName;
        private final int frozenGroups;

        Mode(String label, String peerName, int frozenGroups) {
            this.label = label;
            this.peerName = peerName;
            this.frozenGroups = frozenGroups;
        }

        public String label() {
            return label;
        }
    }

    /** Batch shape, steps per mode and repeat, repeats (after one warm-up), the Python with torch, memory or not. */
    public record Options(int batch, int seqLen, int steps, int repeats, String python, boolean memory,
                          boolean defaultMalloc, Path data) {}

    /** Medians in ms (NaN without a peer); bytes -1 when not measured. */
    public record Row(String mode, double frostMs, double torchMs, double ratio, long frostStepBytes,
                      long frostPeakBytes, long torchStepBytes, long torchPeakBytes) {}

    private MiniLmStepBenchmark() {}

    public static List<Row> run(Options o) throws IOException, InterruptedException {
        ArrayDataset data = batchData(o);
        Path dir = Files.createTempDirectory("frost-minilm-step");
        Map<Mode, List<Double>> frost = new EnumMap<>(Mode.class);
        Map<Mode, List<Double>> torch = new EnumMap<>(Mode.class);
        String torchVersion;
        try (FrostModel m = pretrained(o); AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01)) {
            TorchFiles.writeWeights(m, dir.resolve("weights.safetensors"));
            TorchFiles.writeBatch(data, o.batch(), dir.resolve("batch.safetensors"));
            Trainer trainer = trainer(m, opt);
            try (Peer peer = Peer.start(o.python(), dir, Map.of())) {
                torchVersion = peer == null ? null : peer.version;
                HostBatch b = HostBatch.read(data, IntStream.range(0, o.batch()).toArray(), null, 0);
                for (int rep = 0; rep <= o.repeats(); rep++) {
                    for (Mode mode : Mode.values()) {
                        List<Double> f = frostSteps(m, trainer, b, mode, o.steps());
                        List<Double> t = peer == null ? List.of() : peer.steps(mode, o.steps());
                        if (rep > 0) { // the first repeat warms both up
                            frost.computeIfAbsent(mode, k -> new ArrayList<>()).addAll(f);
                            torch.computeIfAbsent(mode, k -> new ArrayList<>()).addAll(t);
                        }
                    }
                }
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            double f = Medians.of(frost.get(mode));
            double t = torch.get(mode).isEmpty() ? Double.NaN : Medians.of(torch.get(mode));
            long[] fm = o.memory() ? frostMemory(o, mode) : new long[] {-1, -1};
            long[] tm = o.memory() && torchVersion != null ? torchMemory(o, dir, mode) : new long[] {-1, -1};
            rows.add(new Row(mode.label(), f, t, f / t, fm[1] < 0 ? -1 : fm[1] - fm[0], fm[1],
                    tm[1] < 0 ? -1 : tm[1] - tm[0], tm[1]));
        }
        System.out.println("torch: " + (torchVersion == null ? "not available (no peer columns)" : torchVersion));
        return rows;
    }

    /** The classifier with MiniLM's pretrained weights, the same in the timing process and each memory child. */
    private static FrostModel pretrained(Options o) {
        FrostModel m = Bert.classifier(Bert.Config.MINILM_L6, o.seqLen(), 2, 42);
        MiniLm.loadPretrained(m, MiniLm.readBundled());
        return m;
    }

    private static Trainer trainer(FrostModel m, AdamW opt) {
        return new Trainer(m, opt, TrainConfig.builder().setEpochs(1).optLearningRate(LR).optProgressBar(false)
                .optMeasureFullStep(false).build());
    }

    /** The first {@code batch} e-mails of the benchmark's shuffle, tokenized as the benchmark does. */
    private static ArrayDataset batchData(Options o) {
        List<SpamAssassin.Email> emails = SpamFineTune.shuffle(SpamAssassin.load(o.data()), o.batch(), 0, 42).train();
        return TextDatasets.encode("minilm-step", emails.stream().map(SpamAssassin.Email::text).toList(),
                emails.stream().mapToInt(SpamAssassin.Email::label).toArray(), 2, MiniLm.tokenizer(), o.seqLen());
    }

    private static List<Double> frostSteps(FrostModel m, Trainer trainer, HostBatch host, Mode mode, int steps) {
        m.unfreeze();
        if (mode.frozenGroups > 0) {
            m.freezeTo(mode.frozenGroups);
        }
        List<Double> ms = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            long t0 = System.nanoTime();
            // as in a fit: the step's arrays live in a manager closed after it (results attach to their input's)
            try (NDManager step = m.manager().newSubManager()) {
                Batch b = host.toEngine(step);
                if (mode == Mode.FORWARD) {
                    m.predict(b.features(), b.sideInputs());
                } else {
                    trainer.trainStep(b, LR, m.frozenPrefixLength());
                }
            }
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        return ms;
    }

    /** [idle RSS, peak RSS] of a fresh JVM that loads the model and runs the mode's steps. */
    private static long[] frostMemory(Options o, Mode mode) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // the same heap and engine settings
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryChild.class.getName(), mode.name(),
                Integer.toString(o.batch()), Integer.toString(o.seqLen()), Integer.toString(o.steps()),
                o.data().toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        if (!o.defaultMalloc()) {
            pb.environment().putAll(LIVE_MEMORY_ENV);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new FrostException("minilm-step: the memory child for " + mode.label() + " failed: " + out);
        }
        JsonNode n = JSON.readTree(out.substring(out.lastIndexOf('{')));
        return new long[] {n.get("idle").asLong(), n.get("peak").asLong()};
    }

    /** [idle RSS, peak RSS] of a fresh PyTorch peer running the mode's steps. */
    private static long[] torchMemory(Options o, Path dir, Mode mode) throws IOException, InterruptedException {
        try (Peer peer = Peer.start(o.python(), dir, o.defaultMalloc() ? Map.of() : LIVE_MEMORY_ENV)) {
            peer.ask("reset");
            long idle = peer.ask("rss").get("rss").asLong();
            peer.steps(mode, o.steps());
            return new long[] {idle, peer.ask("rss").get("hwm").asLong()};
        }
    }

    /** A fresh process for one mode's memory: loads, idles, resets the peak, steps, prints {"idle", "peak"}. */
    public static final class MemoryChild {
        public static void main(String[] args) throws Exception {
            Mode mode = Mode.valueOf(args[0]);
            Options o = new Options(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    0, null, false, false, Path.of(args[4]));
            ArrayDataset data = batchData(o);
            try (FrostModel m = pretrained(o); AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01)) {
                Trainer trainer = trainer(m, opt);
                HostBatch b = HostBatch.read(data, IntStream.range(0, o.batch()).toArray(), null, 0);
                System.gc();
                Thread.sleep(500); // the collector returns memory in the background: let the idle size settle
                RunInfo.resetPeakRss();
                long idle = RunInfo.rssBytes();
                frostSteps(m, trainer, b, mode, o.steps());
                System.out.printf(Locale.ROOT, "{\"idle\": %d, \"peak\": %d}%n", idle, RunInfo.peakRssBytes());
            }
        }
    }

    /** The PyTorch process: one command a line in, one JSON line out. */
    private static final class Peer implements AutoCloseable {
        private final Process process;
        private final PrintWriter in;
        private final BufferedReader out;
        private final String version;

        private Peer(Process process) throws IOException {
            this.process = process;
            this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null) {
                throw new IOException("the PyTorch peer ended before it started");
            }
            this.version = JSON.readTree(first).get("torch").asText();
        }

        /** The peer, or null (with the reason printed) when Python or torch is not there. */
        static Peer start(String python, Path dir, Map<String, String> env) throws IOException {
            Path script = TorchFiles.writeScript(dir);
            ProcessBuilder pb = TorchPeer.configure(new ProcessBuilder(python, script.toString(), "peer",
                    dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD),
                    Integer.getInteger("ai.djl.pytorch.num_threads", 2));
            pb.environment().putAll(env);
            try {
                return new Peer(pb.start());
            } catch (IOException e) {
                System.out.println("minilm-step: no PyTorch peer (" + e.getMessage() + "; install python3-torch)");
                return null;
            }
        }

        JsonNode ask(String command) throws IOException {
            in.println(command);
            String line = out.readLine();
            if (line == null) {
                throw new IOException("the PyTorch peer ended on '" + command + "'");
            }
            return JSON.readTree(line);
        }

        List<Double> steps(Mode mode, int steps) throws IOException {
            List<Double> ms = new ArrayList<>();
            ask(mode.peerName + " " + steps).get("ms").forEach(v -> ms.add(v.asDouble()));
            return ms;
        }

        @Override
        public void close() throws IOException {
            in.println("quit");
            in.close();
            try {
                if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    public static String format(List<Row> rows, Options o) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "MiniLM-L6 step, batch %d x %d tokens, AdamW;"
                + " medians of %d steps x %d repeats, Frost and PyTorch interleaved%s%n", o.batch(), o.seqLen(),
                o.steps(), o.repeats(), !o.memory() ? "" : o.defaultMalloc()
                        ? "; memory: a fresh process per mode and side, glibc's default allocator settings"
                        : "; memory: a fresh process per mode and side, glibc's mmap threshold fixed on both ("
                        + LIVE_MEMORY_ENV + ") so the resident set follows the live tensors"));
        sb.append("| step | Frost ms | PyTorch ms | Frost / PyTorch | Frost: memory a step adds (peak) |"
                + " PyTorch: memory a step adds (peak) | memory ratio |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String ratio = r.frostPeakBytes() < 0 || r.torchPeakBytes() < 0 ? "n/a"
                    : String.format(Locale.ROOT, "%.2f", r.frostStepBytes() / (double) r.torchStepBytes());
            sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f | %s | %s | %s |%n", r.mode(),
                    r.frostMs(), r.torchMs(), r.ratio(), mib(r.frostStepBytes(), r.frostPeakBytes()),
                    mib(r.torchStepBytes(), r.torchPeakBytes()), ratio));
        }
        return sb.toString();
    }

    private static String mib(long step, long peak) {
        return peak < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f MiB (%.0f MiB)", step / 1048576.0,
                peak / 1048576.0);
    }
}
