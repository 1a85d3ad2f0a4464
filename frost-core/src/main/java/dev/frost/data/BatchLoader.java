package dev.frost.data;

import dev.frost.FrostException;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The batches of one pass over a dataset in a given order, read on a background thread a few batches ahead so that
 * decoding (images, a memory-mapped file) does not stall the engine. {@link #next()} returns them in order; the
 * caller copies each to the engine on its own thread ({@link HostBatch#toEngine}).
 */
public final class BatchLoader implements AutoCloseable {
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "frost-batch-reader");
        t.setDaemon(true);
        return t;
    });

    private final Dataset data;
    private final int[] order;
    private final int batchSize;
    private final Augmentation augmentation;
    private final long augSeed;
    private final int prefetch;
    private final Deque<CompletableFuture<HostBatch>> ahead = new ArrayDeque<>();
    private int nextToSchedule;

    /**
     * Batches {@code order[start*batchSize ..]} of {@code batchSize} (the last may be smaller), {@code prefetch}
     * ahead (0 reads on the caller's thread).
     */
    public BatchLoader(Dataset data, int[] order, int batchSize, int startBatch, Augmentation augmentation,
                       long augSeed, int prefetch) {
        if (batchSize <= 0) {
            throw new FrostException("batch size must be positive, got " + batchSize);
        }
        this.data = data;
        this.order = order;
        this.batchSize = batchSize;
        this.augmentation = augmentation;
        this.augSeed = augSeed;
        this.prefetch = Math.max(0, prefetch);
        this.nextToSchedule = startBatch;
        fill();
    }

    /** Number of batches in the whole pass (including any already skipped by {@code startBatch}). */
    public static int batches(int examples, int batchSize) {
        return (examples + batchSize - 1) / batchSize;
    }

    public boolean hasNext() {
        return !ahead.isEmpty() || nextToSchedule < batches(order.length, batchSize);
    }

    public HostBatch next() {
        if (prefetch == 0) {
            return read(nextToSchedule++);
        }
        CompletableFuture<HostBatch> f = ahead.poll();
        if (f == null) {
            throw new FrostException("no batch left in this pass");
        }
        fill();
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FrostException("interrupted while reading a batch of '" + data.name() + "'", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new FrostException("reading a batch of '" + data.name() + "' failed: " + c, c);
        }
    }

    private void fill() {
        int total = batches(order.length, batchSize);
        while (prefetch > 0 && ahead.size() < prefetch && nextToSchedule < total) {
            int b = nextToSchedule++;
            ahead.add(CompletableFuture.supplyAsync(() -> read(b), READERS));
        }
    }

    private HostBatch read(int b) {
        int from = b * batchSize;
        int to = Math.min(order.length, from + batchSize);
        return HostBatch.read(data, Arrays.copyOfRange(order, from, to), augmentation, augSeed);
    }

    @Override
    public void close() {
        ahead.forEach(f -> f.cancel(false));
        ahead.clear();
    }
}
