package dev.frost.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.frost.FrostException;
import dev.frost.bench.CacheBenchmark;
import dev.frost.bench.FreezeBenchmark;
import dev.frost.io.AtomicFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@code frost bench freeze}: the freezing benchmark table (and JSON). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print ratios measured side by side in one run.")
final class BenchCommand implements Runnable {
    @Parameters(index = "0", paramLabel = "WHICH", description = "freeze")
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

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch for the peer (default ${DEFAULT-VALUE}).")
    String python;

    @Override
    public void run() {
        if (!"freeze".equals(which)) {
            throw new FrostException("unknown benchmark '" + which + "': use 'frost bench freeze'");
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
        if (json != null) {
            try {
                AtomicFiles.write(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsBytes(java.util.Map.of("freeze", report, "cache", cache)));
            } catch (IOException e) {
                throw new FrostException("cannot write " + json + ": " + e.getMessage(), e);
            }
            System.out.println("wrote " + json);
        }
    }
}
