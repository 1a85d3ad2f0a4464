package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.bench.CacheBenchmark;
import dev.frost.bench.FreezeBenchmark;
import dev.frost.bench.MiniLmStepBenchmark;
import dev.frost.bench.PolicyBenchmark;
import dev.frost.data.ArrayDataset;
import dev.frost.examples.FashionMnist;
import dev.frost.examples.MiniLmComparison;
import dev.frost.examples.SpamAssassin;
import dev.frost.examples.SpamFineTune;
import dev.frost.examples.SpamLora;
import dev.frost.policy.AutoFreeze;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code frost bench freeze|policies|minilm}: each benchmark is a subcommand with only its own options, so an option
 * that does not apply is refused by the parser instead of being silently ignored.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured side by side in one run.",
        subcommands = {BenchCommand.Freeze.class, BenchCommand.Policies.class, BenchCommand.MiniLm.class,
                BenchCommand.MiniLmStep.class,
                BenchCommand.Lora.class})
final class BenchCommand implements Runnable {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new FrostException("bench: name a benchmark: freeze, policies, minilm or lora (frost bench --help)");
    }

    /** Step times frozen vs full vs ideal vs PyTorch, and the activation cache's epoch times. */
    @Command(name = "freeze", mixinStandardHelpOptions = true,
            description = "Step times (frozen, full, ideal, PyTorch peer) and the activation-cache table.")
    static final class Freeze implements Runnable {
        @Option(names = "--json", paramLabel = "FILE", description = "Also write the table as JSON.")
        Path json;

        @Option(names = "--repeats", defaultValue = "15", description = "Measured repeats per mode (default ${DEFAULT-VALUE}).")
        int repeats;

        @Option(names = "--warmup", defaultValue = "3", description = "Warm-up repeats (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--workloads", split = ",", defaultValue = "mlp,cnn", description = "mlp, cnn (default ${DEFAULT-VALUE}).")
        List<String> workloads;

        @Option(names = "--no-peer", description = "Skip the PyTorch peer.")
        boolean noPeer;

        @Option(names = "--no-cache", description = "Skip the activation-cache table.")
        boolean noCache;

        @Option(names = "--cache-examples", defaultValue = "4096", description = "Images per epoch in the cache table (default ${DEFAULT-VALUE}).")
        int cacheExamples;

        @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch for the peer (default ${DEFAULT-VALUE}).")
        String python;

        @Override
        public void run() {
            CliChecks.atLeast("--repeats", repeats, 1);
            CliChecks.atLeast("--warmup", warmup, 0);
            CliChecks.atLeast("--cache-examples", cacheExamples, 1);
            for (String w : workloads) {
                if (!w.equals("mlp") && !w.equals("cnn")) {
                    throw new FrostException("--workloads: unknown workload '" + w + "' (use mlp, cnn)");
                }
            }
            CliChecks.writableFile("--json", json);
            int threads = Integer.getInteger("ai.djl.pytorch.num_threads", Runtime.getRuntime().availableProcessors());
            FreezeBenchmark.Report report = FreezeBenchmark.run(
                    new FreezeBenchmark.Options(workloads, repeats, warmup, !noPeer, python, threads));
            System.out.print(FreezeBenchmark.format(report));
            List<CacheBenchmark.Row> cache = noCache ? List.of() : CacheBenchmark.run(cacheExamples, 4);
            if (!noCache) {
                System.out.println();
                System.out.print(CacheBenchmark.format(cache, cacheExamples));
            }
            JsonOut.write(json, java.util.Map.of("freeze", report, "cache", cache));
        }
    }

    /** Progressive freezing policies vs full training from scratch on Fashion-MNIST. */
    @Command(name = "policies", mixinStandardHelpOptions = true,
            description = "FreezeOut, AutoFreeze, linear freezing vs full training on Fashion-MNIST.")
    static final class Policies implements Runnable {
        @Option(names = "--out", defaultValue = "runs/bench/policies.jsonl",
                description = "Runs, one JSON object a line, appended as each ends; runs already there (same model,"
                        + " epochs and training size) are skipped (default ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--plot", paramLabel = "FILE", description = "Write accuracy vs time and the freeze"
                + " timelines as an HTML page of SVG charts (default: next to --out, .html).")
        Path plot;

        @Option(names = "--quick", description = "A small run: 6,000 / 2,000 images, 3 epochs, seeds 100,101.")
        boolean quick;

        @Option(names = "--model", defaultValue = "cnn", description = "cnn or resnet (default ${DEFAULT-VALUE}).")
        String model;

        @Option(names = "--seeds", split = ",", description = "Seeds (default 100,101).")
        List<Long> seeds;

        @Option(names = "--epochs", description = "Epochs (default 10, quick 3).")
        Integer epochs;

        @Option(names = "--variants", split = ",", description = "Some of: full training, FreezeOut cubic scaled,"
                + " FreezeOut linear unscaled, AutoFreeze + cache, linear schedule + cache, auto + cache (default all).")
        List<String> variants;

        @Option(names = "--no-timings", description = "Skip the per-group forward/backward timings.")
        boolean noTimings;

        @Option(names = "--data", description = "Fashion-MNIST folder (default data/fashion-mnist).")
        Path data;

        @Override
        public void run() {
            if (epochs != null) {
                CliChecks.atLeast("--epochs", epochs, 1);
            }
            CliChecks.writableFile("--out", out);
            CliChecks.writableFile("--plot", plot);
            CliChecks.existingFolder("--data", data);
            List<String> groups = PolicyBenchmark.groupNames(model); // refuses an unknown --model before any work
            PolicyBenchmark.Options o = new PolicyBenchmark.Options(model, epochs != null ? epochs : quick ? 3 : 10,
                    seeds != null ? List.copyOf(seeds) : List.of(100L, 101L), quick ? 6000 : 0, quick ? 2000 : 0, 128,
                    variants != null ? List.copyOf(variants) : PolicyBenchmark.variantNames());
            Path dir = data != null ? data : FashionMnist.defaultDir();
            ArrayDataset train = FashionMnist.train(dir);
            ArrayDataset test = FashionMnist.test(dir);
            List<PolicyBenchmark.Run> runs = PolicyBenchmark.run(train, test, o, out);
            var timings = noTimings ? null : PolicyBenchmark.groupTimings(model, train, o.batchSize());
            System.out.print(PolicyBenchmark.format(PolicyBenchmark.summarize(runs), o,
                    o.trainSize() > 0 ? o.trainSize() : train.size(), o.testSize() > 0 ? o.testSize() : test.size(),
                    timings));
            Path page = plot != null ? plot : out.resolveSibling(out.getFileName().toString()
                    .replaceAll("\\.jsonl$", "") + "-" + model + ".html");
            dev.frost.io.AtomicFiles.write(page, PolicyBenchmark.plot(runs, groups)
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            System.out.println("plot: " + page);
        }
    }

    /** The real MiniLM-L6 fine-tuned on real e-mails with partial freezing, AutoFreeze and the cache, over seeds. */
    @Command(name = "minilm", mixinStandardHelpOptions = true,
            description = "MiniLM-L6 fine-tuned on SpamAssassin five ways over training seeds (needs"
                    + " scripts/fetch-data.sh --spam); each finished run is appended to --out and skipped when the"
                    + " command runs again.")
    static final class MiniLm implements Runnable {
        @Option(names = "--out", defaultValue = "runs/bench/minilm.jsonl",
                description = "Result rows, one JSON object a line (default ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--seeds", split = ",", defaultValue = "42,43",
                description = "Training seeds; the split is fixed (default ${DEFAULT-VALUE}).")
        List<Long> seeds;

        @Option(names = "--methods", split = ",", description = "Some of ${COMPLETION-CANDIDATES} (default all).")
        List<SpamFineTune.Method> methods;

        @Option(names = "--quick", description = "A small run (160 training e-mails, 200 test, 64 tokens).")
        boolean quick;

        @Option(names = "--epochs", description = "Epochs (default 4).")
        Integer epochs;

        @Option(names = "--train-size", description = "Training e-mails (default 2000, quick 160).")
        Integer trainSize;

        @Option(names = "--test-size", description = "Held-out test e-mails (default 3000, quick 200).")
        Integer testSize;

        @Option(names = "--autofreeze-intervals", defaultValue = "" + AutoFreeze.REFERENCE_INTERVALS,
                description = "AutoFreeze's decisions per run, the reference's num_intervals (default ${DEFAULT-VALUE}).")
        int autoFreezeIntervals;

        @Option(names = "--schedule", defaultValue = SpamFineTune.Options.DEFAULT_SCHEDULE,
                description = "Learning-rate schedule of every method: onecycle, linear, step (AutoFreeze's"
                        + " reference), cosine or constant (default ${DEFAULT-VALUE}); part of --out's settings.")
        String schedule;

        @Option(names = "--dropout", defaultValue = "0", description = "Hidden and attention dropout of every method,"
                + " run only in layers that train (default ${DEFAULT-VALUE}; Hugging Face fine-tunes with 0.1); part of"
                + " --out's settings.")
        double dropout;

        @Option(names = "--data", description = "SpamAssassin folder (default data/spam-assassin).")
        Path data;

        @Override
        public void run() {
            CliChecks.writableFile("--out", out);
            CliChecks.atLeast("--autofreeze-intervals", autoFreezeIntervals, 1);
            CliChecks.schedule("--schedule", schedule);
            CliChecks.rate("--dropout", dropout);
            CliChecks.existingFolder("--data", data);
            SpamFineTune.Options d = quick ? SpamFineTune.Options.quick() : SpamFineTune.Options.defaults();
            int e = epochs != null ? epochs : quick ? d.epochs() : 4; // the head trains as long as the others here
            int train = trainSize != null ? trainSize : quick ? d.trainSize() : 2000;
            int test = testSize != null ? testSize : d.testSize();
            CliChecks.atLeast("--epochs", e, 1);
            CliChecks.atLeast("--train-size", train, 1);
            CliChecks.atLeast("--test-size", test, 1);
            SpamFineTune.Options o = new SpamFineTune.Options(d.seqLen(), train, test, e, d.batchSize(), d.lr(),
                    d.frozenLayers(), d.seed(), e, autoFreezeIntervals, schedule, dropout);
            Path dir = data != null ? data : SpamAssassin.defaultDir();
            List<SpamFineTune.Method> chosen = methods == null || methods.isEmpty()
                    ? List.of(SpamFineTune.Method.values()) : List.copyOf(methods);
            List<SpamFineTune.Row> rows = MiniLmComparison.run(SpamAssassin.load(dir), o, List.copyOf(seeds), chosen,
                    out);
            System.out.print(MiniLmComparison.format(rows, o));
        }
    }

    /** One MiniLM-L6 training step in Frost and in PyTorch, interleaved, with the memory a step adds. */
    @Command(name = "minilm-step", mixinStandardHelpOptions = true,
            description = "One MiniLM-L6 step (full, embeddings + 4 frozen, head only, forward) in Frost and in"
                    + " PyTorch on the same weights and batch of real e-mails, interleaved; with --memory, the memory"
                    + " a step adds, one fresh process per mode on each side (needs scripts/fetch-data.sh --spam).")
    static final class MiniLmStep implements Runnable {
        @Option(names = "--batch", defaultValue = "16", description = "E-mails per step (default ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--seq-len", defaultValue = "128", description = "Tokens (default ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--steps", defaultValue = "3", description = "Steps per mode and repeat (default ${DEFAULT-VALUE}).")
        int steps;

        @Option(names = "--repeats", defaultValue = "5", description = "Repeats after one warm-up (default ${DEFAULT-VALUE}).")
        int repeats;

        @Option(names = "--python", defaultValue = "/usr/bin/python3",
                description = "Python with torch, the peer (default ${DEFAULT-VALUE}).")
        String python;

        @Option(names = "--memory", description = "Also measure the memory a step adds (a fresh process per mode).")
        boolean memory;

        @Option(names = "--default-malloc", description = "Measure memory under glibc's default settings, whose"
                + " resident set follows the allocator's history (by default both sides fix the mmap threshold).")
        boolean defaultMalloc;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the table as JSON.")
        Path json;

        @Option(names = "--data", description = "SpamAssassin folder (default data/spam-assassin).")
        Path data;

        @Override
        public void run() {
            CliChecks.between("--batch", batch, 1, 4096);
            CliChecks.between("--seq-len", seqLen, 8, 512);
            CliChecks.atLeast("--steps", steps, 1);
            CliChecks.atLeast("--repeats", repeats, 1);
            CliChecks.writableFile("--json", json);
            CliChecks.existingFolder("--data", data);
            MiniLmStepBenchmark.Options o = new MiniLmStepBenchmark.Options(batch, seqLen, steps, repeats, python,
                    memory, defaultMalloc, data != null ? data : SpamAssassin.defaultDir());
            try {
                List<MiniLmStepBenchmark.Row> rows = MiniLmStepBenchmark.run(o);
                System.out.print(MiniLmStepBenchmark.format(rows, o));
                JsonOut.write(json, java.util.Map.of("options", o, "rows", rows));
            } catch (java.io.IOException e) {
                throw new FrostException("minilm-step: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FrostException("minilm-step: interrupted", e);
            }
        }
    }

    /** Full fine-tuning vs partial freezing vs LoRA on MiniLM-L6, paired over seeds, resumable. */
    @Command(name = "lora", mixinStandardHelpOptions = true,
            description = "MiniLM-L6 on SpamAssassin: full fine-tuning, 4 layers frozen and three LoRA variants over"
                    + " seeds; each finished run is appended to --out and skipped when the command runs again.")
    static final class Lora implements Runnable {
        @Option(names = "--out", defaultValue = "runs/bench/lora.jsonl",
                description = "Result rows, one JSON object a line (default ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--seeds", split = ",", defaultValue = "1,2", description = "Seeds (default ${DEFAULT-VALUE}).")
        List<Long> seeds;

        @Option(names = "--methods", split = ",", description = "Some of ${COMPLETION-CANDIDATES} (default all).")
        List<SpamLora.Method> methods;

        @Option(names = "--epochs", defaultValue = "2", description = "Epochs (default ${DEFAULT-VALUE}).")
        int epochs;

        @Option(names = "--train-size", defaultValue = "1600", description = "Training e-mails (default ${DEFAULT-VALUE}).")
        int trainSize;

        @Option(names = "--test-size", defaultValue = "3000", description = "Held-out test e-mails (default ${DEFAULT-VALUE}).")
        int testSize;

        @Option(names = "--seq-len", defaultValue = "128", description = "Tokens per e-mail (default ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--lora-lr", defaultValue = "1e-3", description = "Learning rate of the LoRA methods' adapters"
                + " and head (default ${DEFAULT-VALUE}).")
        double loraLr;

        @Option(names = "--lora-dropout", defaultValue = "0", description = "Adapter dropout (default ${DEFAULT-VALUE},"
                + " PEFT's; on CPU each adapter's mask costs about as much as its matrix products).")
        float loraDropout;

        @Option(names = "--data", description = "SpamAssassin folder (default data/spam-assassin).")
        Path data;

        @Override
        public void run() {
            CliChecks.atLeast("--epochs", epochs, 1);
            CliChecks.positive("--lora-lr", loraLr);
            CliChecks.rate("--lora-dropout", loraDropout);
            CliChecks.atLeast("--train-size", trainSize, 1);
            CliChecks.atLeast("--test-size", testSize, 1);
            CliChecks.between("--seq-len", seqLen, 8, 512);
            CliChecks.writableFile("--out", out);
            CliChecks.existingFolder("--data", data);
            SpamLora.Options d = SpamLora.Options.defaults();
            SpamLora.Options o = new SpamLora.Options(seqLen, trainSize, testSize, epochs, d.batchSize(), d.lr(),
                    loraLr, d.rank(), d.alpha(), loraDropout, d.splitSeed(), List.copyOf(seeds),
                    methods == null || methods.isEmpty() ? d.methods() : List.copyOf(methods));
            Path dir = data != null ? data : SpamAssassin.defaultDir();
            List<SpamLora.Row> rows = SpamLora.run(SpamAssassin.load(dir), o, out);
            System.out.print(SpamLora.format(rows, o));
        }
    }
}
