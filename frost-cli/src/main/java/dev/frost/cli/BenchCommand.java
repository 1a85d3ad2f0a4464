package dev.frost.cli;

import dev.frost.FrostException;
import dev.frost.bench.CacheBenchmark;
import dev.frost.bench.FreezeBenchmark;
import dev.frost.bench.PolicyBenchmark;
import dev.frost.data.ArrayDataset;
import dev.frost.examples.FashionMnist;
import dev.frost.examples.SpamAssassin;
import dev.frost.examples.SpamFineTune;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;

/** {@code frost bench freeze}: the freezing benchmark table (and JSON). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured side by side in one run.")
final class BenchCommand implements Runnable {
    @Parameters(index = "0", paramLabel = "WHICH", description = "freeze (step times, cache), policies (progressive freezing) or minilm (transformer fine-tuning)")
    String which;

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

    @Option(names = "--quick", description = "policies/minilm: a small run (policies: 6,000 images, 3 epochs, 2 seeds).")
    boolean quick;

    @Option(names = "--seeds", description = "policies: number of seeds (default 3, quick 2).")
    Integer seeds;

    @Option(names = "--epochs", description = "policies: epochs (default 8, quick 3); minilm: epochs (default 2).")
    Integer epochs;

    @Option(names = "--train-size", description = "minilm: training e-mails (default 1600, quick 160).")
    Integer trainSize;

    @Option(names = "--data", description = "policies/minilm: data folder (default data/fashion-mnist, data/spam-assassin).")
    Path data;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch for the peer (default ${DEFAULT-VALUE}).")
    String python;

    private void runPolicies() {
        PolicyBenchmark.Options base = quick ? PolicyBenchmark.Options.quick() : PolicyBenchmark.Options.full();
        PolicyBenchmark.Options o = new PolicyBenchmark.Options(epochs != null ? epochs : base.epochs(),
                seeds != null ? seeds : base.seeds(), base.trainSize(), base.testSize(), base.batchSize());
        Path dir = data != null ? data : FashionMnist.defaultDir();
        ArrayDataset train = FashionMnist.train(dir);
        ArrayDataset test = FashionMnist.test(dir);
        List<PolicyBenchmark.Run> runs = new java.util.ArrayList<>();
        List<PolicyBenchmark.Summary> rows = PolicyBenchmark.run(train, test, o, runs);
        System.out.print(PolicyBenchmark.format(rows, o, o.trainSize() > 0 ? o.trainSize() : train.size(),
                o.testSize() > 0 ? o.testSize() : test.size()));
        JsonOut.write(json, java.util.Map.of("options", o, "summary", rows, "runs", runs));
    }

    @Override
    public void run() {
        CliChecks.atLeast("--repeats", repeats, 1);
        CliChecks.atLeast("--warmup", warmup, 0);
        CliChecks.atLeast("--cache-examples", cacheExamples, 1);
        if (seeds != null) {
            CliChecks.atLeast("--seeds", seeds, 1);
        }
        if (epochs != null) {
            CliChecks.atLeast("--epochs", epochs, 1);
        }
        if (trainSize != null) {
            CliChecks.atLeast("--train-size", trainSize, 1);
        }
        for (String w : workloads) {
            if (!w.equals("mlp") && !w.equals("cnn")) {
                throw new FrostException("--workloads: unknown workload '" + w + "' (use mlp, cnn)");
            }
        }
        CliChecks.writableFile("--json", json);
        CliChecks.existingFolder("--data", data);
        if ("policies".equals(which)) {
            runPolicies();
            return;
        }
        if ("minilm".equals(which)) {
            SpamFineTune.Options d = quick ? SpamFineTune.Options.quick() : SpamFineTune.Options.defaults();
            SpamFineTune.Options o = new SpamFineTune.Options(d.seqLen(), trainSize != null ? trainSize : d.trainSize(),
                    d.testSize(), epochs != null ? epochs : d.epochs(), d.batchSize(), d.lr(), d.frozenLayers(),
                    d.seed());
            Path dir = data != null ? data : SpamAssassin.defaultDir();
            List<SpamFineTune.Row> rows = SpamFineTune.run(SpamAssassin.load(dir), o);
            System.out.print(SpamFineTune.format(rows, o));
            JsonOut.write(json, java.util.Map.of("options", o, "rows", rows));
            return;
        }
        if (!"freeze".equals(which)) {
            throw new FrostException("unknown benchmark '" + which + "': use freeze, policies or minilm");
        }
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
