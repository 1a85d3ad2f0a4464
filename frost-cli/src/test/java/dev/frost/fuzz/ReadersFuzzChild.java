package dev.frost.fuzz;

import dev.frost.FrostException;

import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The fuzz loop, run in a child JVM with a small heap so that an OutOfMemoryError, a native abort or a hang fails the
 * test instead of the build: {@code ReadersFuzzChild <reader> <seed> <cases> <work dir> [only case]}. Case {@code i}'s
 * input depends on (seed, i) only, so one case replays alone. Every case must parse or throw a FrostException whose
 * message is one line under 300 characters naming the file; it must allocate at most 32 MiB + 64 bytes per input byte
 * of Java heap and finish within 5 s. Prints {@code BUG} lines (the first 5) and one {@code SUMMARY} line.
 */
public final class ReadersFuzzChild {
    static final long HANG_MS = 5_000;
    /** Heap any one input may use besides 64 bytes per input byte: the digits grid's 16 MB of pixels fit in it. */
    static final long ALLOWANCE = 32L << 20;
    private static volatile int current = -1;
    private static volatile long startedNanos;

    private ReadersFuzzChild() {}

    static SplittableRandom caseRandom(long seed, int i) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i * 0xBF58476D1CE4E5B9L);
    }

    public static void main(String[] args) throws Exception {
        String reader = args[0];
        long seed = Long.parseLong(args[1]);
        int cases = Integer.parseInt(args[2]);
        Path work = Path.of(args[3]);
        int only = args.length > 4 ? Integer.parseInt(args[4]) : -1;
        Target target = Target.of(reader);
        target.setUp(work);
        Thread watchdog = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                int c = current;
                if (c >= 0 && System.nanoTime() - startedNanos > HANG_MS * 1_000_000L) {
                    System.out.println("BUG case " + c + ": HANG, still running after " + HANG_MS + " ms");
                    System.out.flush();
                    Runtime.getRuntime().halt(3);
                }
            }
        }, "fuzz-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long ok = 0;
        long refused = 0;
        long bugs = 0;
        long maxNanos = 0;
        long maxAlloc = 0;
        Map<String, Integer> kinds = new TreeMap<>();
        try (RandomAccessFile progress = new RandomAccessFile(work.resolve("progress").toFile(), "rw")) {
            for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : cases); i++) {
                byte[] input = target.input(caseRandom(seed, i));
                progress.seek(0);
                progress.writeInt(i);
                String bug = null;
                String kind = null;
                long a0 = mx.getCurrentThreadAllocatedBytes();
                startedNanos = System.nanoTime();
                current = i;
                try {
                    target.run(input);
                } catch (FrostException e) {
                    bug = checkMessage(e.getMessage(), target.names());
                    kind = kind(e.getMessage(), target.names());
                } catch (Throwable e) {
                    bug = describe(e);
                }
                current = -1;
                long nanos = System.nanoTime() - startedNanos;
                long alloc = mx.getCurrentThreadAllocatedBytes() - a0;
                maxNanos = Math.max(maxNanos, nanos);
                maxAlloc = Math.max(maxAlloc, alloc);
                if (bug == null && alloc > ALLOWANCE + 64L * input.length) {
                    bug = "allocated " + alloc + " bytes of heap for an input of " + input.length + " bytes";
                }
                if (bug == null && nanos > HANG_MS * 1_000_000L) {
                    bug = "took " + nanos / 1_000_000 + " ms";
                }
                if (bug == null && kind == null) {
                    ok++;
                } else if (bug == null) {
                    refused++;
                    kinds.merge(kind, 1, Integer::sum);
                } else {
                    bugs++;
                    if (bugs <= 5) {
                        System.out.println("BUG case " + i + ": " + bug + " | input (base64, first 1500 bytes of "
                                + input.length + "): " + Base64.getEncoder().encodeToString(
                                        java.util.Arrays.copyOf(input, Math.min(1500, input.length))));
                    }
                }
            }
        }
        StringBuilder top = new StringBuilder();
        kinds.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(12)
                .forEach(e -> top.append(" | ").append(e.getValue()).append("x ").append(e.getKey()));
        System.out.println("SUMMARY reader=" + reader + " seed=" + seed + " cases=" + (ok + refused + bugs) + " ok="
                + ok + " frost=" + refused + " bug=" + bugs + " maxMs=" + maxNanos / 1_000_000 + " maxAllocBytes="
                + maxAlloc + " kinds=" + kinds.size() + top);
        System.out.flush();
        System.exit(0);
    }

    static String checkMessage(String msg, String[] names) {
        if (msg == null || msg.isBlank()) {
            return "FrostException without a message";
        }
        if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) {
            return "message of several lines: " + msg.replace("\n", "\\n").replace("\r", "\\r");
        }
        if (msg.length() >= 300) {
            return "message of " + msg.length() + " characters: " + msg.substring(0, 300);
        }
        if (msg.endsWith(": null") || msg.endsWith(": -1") || msg.contains("Malformed data")) {
            return "unhelpful message: " + msg;
        }
        for (String n : names) {
            if (msg.contains(n)) {
                return null;
            }
        }
        return "message does not name the file: " + msg;
    }

    /** The message without file names and numbers: the class of refusal, for the summary. */
    static String kind(String msg, String[] names) {
        String k = msg;
        for (String n : names) {
            k = k.replace(n, "F");
        }
        k = k.replaceAll("/[^ ]*F", "F").replaceAll("'[^']*'", "'…'").replaceAll("-?\\d+", "N");
        return k.length() > 90 ? k.substring(0, 90) : k;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString().replace('\n', ' '));
        StackTraceElement[] st = e.getStackTrace();
        for (int i = 0; i < Math.min(6, st.length); i++) {
            sb.append(" @ ").append(st[i]);
        }
        return sb.toString();
    }
}
