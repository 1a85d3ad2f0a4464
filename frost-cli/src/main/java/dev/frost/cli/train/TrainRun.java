package dev.frost.cli.train;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.frost.FrostException;
import dev.frost.engine.FrostEngine;
import dev.frost.freeze.optim.Optimizer;
import dev.frost.io.Checkpoints;
import dev.frost.io.ModelCheckpoint;
import dev.frost.metric.Evaluation;
import dev.frost.model.FrostModel;
import dev.frost.train.Callback;
import dev.frost.train.EpochRecord;
import dev.frost.train.FitResult;
import dev.frost.train.RunInfo;
import dev.frost.train.TrainConfig;
import dev.frost.train.Trainer;
import dev.frost.train.callbacks.EarlyStopping;
import dev.frost.train.callbacks.MetricsLogger;
import dev.frost.train.callbacks.TerminateOnNaN;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One {@code frost train} run: everything is read and checked (data, model, base weights, strategy, objectives)
 * before the run folder is created, then the strategy's phases run, each with its own trainer and checkpoint folder
 * ({@code checkpoints/<phase>}), and the run's files are written. A stop (Ctrl-C, or {@code stop_after_steps})
 * saves a resumable checkpoint; {@link #resume} continues the run from it with the saved resolved config.
 */
public final class TrainRun {
    /** How a run ended. */
    public enum Outcome { FINISHED, STOPPED }

    private final Path dir;
    private final RunSpec spec;
    private final DataSources.Sources data;
    private final FrostModel model;
    private final List<Strategies.Phase> phases;
    private final StopSwitch stop;
    private RunFiles.State state;
    private RunInfo lastInfo;
    private PhaseHook hook;

    /** Adds a callback to every phase (e.g. the live dashboard), given the phase's checkpoint folder. */
    @FunctionalInterface
    public interface PhaseHook {
        Callback phase(String name, Path checkpoints);
    }

    private TrainRun(Path dir, RunSpec spec, DataSources.Sources data, FrostModel model,
                     List<Strategies.Phase> phases, StopSwitch stop, RunFiles.State state) {
        this.dir = dir;
        this.spec = spec;
        this.data = data;
        this.model = model;
        this.phases = phases;
        this.stop = stop;
        this.state = state;
    }

    /** Checks everything, creates {@code run.dir} (which must not hold files yet) and runs from the start. */
    public static Outcome start(ConfigLoader.Loaded cfg, Path configFile, StopSwitch.Factory stops) {
        return start(cfg, configFile, stops, null);
    }

    /** As {@link #start(ConfigLoader.Loaded, Path, StopSwitch.Factory)}, with a callback added to each phase. */
    public static Outcome start(ConfigLoader.Loaded cfg, Path configFile, StopSwitch.Factory stops, PhaseHook hook) {
        ObjectNode tree = cfg.tree().deepCopy();
        ObjectNode run = (ObjectNode) tree.get("run");
        String name = configFile.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Path dir = Path.of(run.get("dir").isNull() ? "runs/" + name : run.get("dir").asText()).toAbsolutePath();
        run.put("dir", dir.toString());
        long stopAfter = cfg.spec().trainer().stopAfterSteps();
        ((ObjectNode) tree.get("trainer")).put("stop_after_steps", 0); // applies once, never on resume
        absolutize(tree);
        RunSpec spec = ConfigLoader.toSpec(tree, "config " + configFile);
        refuseExisting(dir);
        TrainRun r = open(dir, spec, true, stops.create(stopAfter));
        try {
            Files.createDirectories(dir);
            refuseExisting(dir); // another process may have won the race
        } catch (IOException e) {
            r.model.close();
            throw new FrostException("run.dir " + dir + " cannot be created: " + e.getMessage(), e);
        }
        keepCopies(tree, dir);
        RunFiles.writeText(dir.resolve(RunFiles.CONFIG), "# resolved config of this run (defaults and --set"
                + " applied); frost train --resume reads it\n" + ConfigLoader.toYaml(tree));
        RunFiles.write(dir.resolve(RunFiles.STATE), r.state);
        r.hook = hook;
        return r.execute(0, false);
    }

    /** Continues the stopped (or crashed) run in {@code dir} with its saved config. */
    public static Outcome resume(Path dir, StopSwitch.Factory stops) {
        return resume(dir, stops, null);
    }

    /** As {@link #resume(Path, StopSwitch.Factory)}, with a callback added to each phase. */
    public static Outcome resume(Path dir, StopSwitch.Factory stops, PhaseHook hook) {
        RunFiles.State st = RunFiles.state(dir);
        if (st.status().equals("finished")) {
            throw new FrostException("run " + dir + " is finished: nothing to resume");
        }
        if (st.status().equals("stopped") && !hasCheckpoint(dir, st.phases().get(st.phase()))) {
            throw new FrostException("run " + dir + " was stopped in phase '" + st.phases().get(st.phase())
                    + "' but that phase's checkpoint is gone (" + RunFiles.CHECKPOINTS + "/"
                    + st.phases().get(st.phase()) + "): there is nothing to resume from; train the config again");
        }
        ConfigLoader.Loaded cfg = ConfigLoader.load(dir.resolve(RunFiles.CONFIG), List.of());
        boolean fresh = st.phase() == 0 && !hasCheckpoint(dir, st.phases().get(0));
        TrainRun r = open(dir, cfg.spec(), fresh, stops.create(0));
        if (!r.state.phases().equals(st.phases())) {
            r.model.close();
            throw new FrostException("run " + dir + ": the saved config now gives phases " + r.state.phases()
                    + ", the run had " + st.phases());
        }
        r.state = st;
        r.hook = hook;
        return r.execute(st.phase(), true);
    }

    private static TrainRun open(Path dir, RunSpec spec, boolean loadBase, StopSwitch stop) {
        Objectives.checkRanges(spec);
        threads(spec.run().threads());
        DataSources.Sources data = DataSources.open(spec);
        Shape input = data.train().exampleShape();
        Scaling scaling = Scaling.of(spec, data.train());
        FrostModel model = ModelFactory.build(spec, input, data.train().labelWidth(), loadBase, scaling);
        try {
            List<Strategies.Phase> phases = Strategies.phases(spec, model);
            Objectives.checkMonitors(spec, Objectives.template(spec, data.train().labelKind()).build(),
                    data.train().labelKind());
            Objectives.optimizer(spec.trainer().optimizer()).close();
            List<Long> shape = new ArrayList<>();
            for (long s : input.getShape()) {
                shape.add(s);
            }
            RunFiles.State st = new RunFiles.State("running", 0, phases.stream().map(Strategies.Phase::name)
                    .toList(), data.classNames(), DataSources.featureColumns(data.train()), shape, data.train().labelWidth(),
                    data.train().labelKind().name(), null, scaling);
            return new TrainRun(dir, spec, data, model, phases, stop, st);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private Outcome execute(int from, boolean resuming) {
        try (model) {
            for (int i = from; i < phases.size(); i++) {
                if (runPhase(i, resuming && i == from)) {
                    state = state.with("stopped", i);
                    RunFiles.write(dir.resolve(RunFiles.STATE), state);
                    writeOutputs();
                    return Outcome.STOPPED;
                }
            }
            state = state.with("finished", phases.size() - 1);
            RunFiles.write(dir.resolve(RunFiles.STATE), state);
            writeOutputs();
            return Outcome.FINISHED;
        }
    }

    /** Runs (or continues) phase {@code i}; true when it was stopped. */
    private boolean runPhase(int i, boolean resuming) {
        Strategies.Phase ph = phases.get(i);
        Path ck = dir.resolve(RunFiles.CHECKPOINTS).resolve(ph.name());
        RunSpec.Trainer t = spec.trainer();
        TrainConfig cfg = Objectives.template(spec, data.train().labelKind()).setEpochs(ph.epochs())
                .optLearningRate(ph.lr()).optSeed(ph.seed()).optSchedule(ph.scheduleName(), ph.schedule())
                .optMomentumSchedule(ph.momentum()).build();
        List<Callback> callbacks = new ArrayList<>(ph.policies().get());
        callbacks.add(stop);
        callbacks.add(new TerminateOnNaN());
        String monitor = data.valid() != null ? t.checkpoint().monitor() : t.checkpoint().monitor()
                .replace("valid_", "train_");
        if (t.earlyStopping().patience() > 0) {
            String es = data.valid() != null ? t.earlyStopping().monitor() : t.earlyStopping().monitor()
                    .replace("valid_", "train_");
            callbacks.add(new EarlyStopping(es, t.earlyStopping().patience(), t.earlyStopping().minDelta()));
        }
        callbacks.add(new ModelCheckpoint(ck, monitor, 0, t.checkpoint().keepLast()));
        callbacks.add(new MetricsLogger(dir.resolve(RunFiles.METRICS)));
        callbacks.add(new EpochRecorder(dir.resolve(RunFiles.EPOCHS), i, ph.name()));
        if (hook != null) {
            callbacks.add(hook.phase(ph.name(), ck)); // saves where a stop saves, so --resume continues from it
        }
        try (Optimizer opt = Objectives.optimizer(t.optimizer())) {
            Trainer trainer = new Trainer(model, opt, cfg, callbacks);
            boolean inCall = true;
            if (resuming && hasCheckpoint(dir, ph.name())) {
                if (ph.momentum() != null) { // the momentum cycle moved beta1/momentum: start from the saved value
                    Object m = Checkpoints.readManifest(ck).optimizer().hyperParameters()
                            .get(opt.type().equals("sgd") ? "momentum" : "beta1");
                    if (m instanceof Number v) {
                        opt.setMomentum(v.doubleValue());
                    }
                }
                Checkpoints.resume(ck, trainer);
                inCall = trainer.progress().inCall();
            } else {
                if (resuming && i > 0) {
                    Checkpoints.loadModel(dir.resolve(RunFiles.CHECKPOINTS).resolve(phases.get(i - 1).name()), model);
                }
                ph.setup().accept(model);
                model.applyFreezeState();
                if (i == 0 && !Files.exists(dir.resolve(RunFiles.SUMMARY))) {
                    RunFiles.write(dir.resolve(RunFiles.SUMMARY), Map.of("rows", model.summary().rows(),
                            "trainable", model.summary().trainableParameters(),
                            "frozen", model.summary().frozenParameters(), "text", model.summary().toString()));
                }
            }
            state = state.with("running", i);
            RunFiles.write(dir.resolve(RunFiles.STATE), state);
            if (inCall) {
                long offset = stepsBefore(i) + trainer.progress().globalStep();
                System.out.printf("phase %d/%d '%s': %d epochs, lr %s%s%n", i + 1, phases.size(), ph.name(),
                        ph.epochs(), ph.lr(), resuming ? " (resumed at step " + trainer.progress().globalStep() + ")"
                                : "");
                FitResult r = trainer.fit(data.train(), data.valid());
                lastInfo = r.info();
                recordTimeline(i, offset, stepsBefore(i), r);
                if (stop.fired()) {
                    Checkpoints.save(ck, trainer);
                    return true;
                }
            }
            if (i == phases.size() - 1 && data.test() != null) {
                Evaluation e = trainer.evaluate(data.test());
                Map<String, Double> test = new LinkedHashMap<>();
                test.put("loss", e.loss());
                test.putAll(e.metrics());
                state = state.withTest(test);
                System.out.println("test: " + test);
            }
        }
        return false;
    }

    private void recordTimeline(int phase, long fitStart, long offset, FitResult r) {
        Path f = dir.resolve(RunFiles.TIMELINE);
        RunFiles.append(f, Map.of("phase", phase, "fit_start", fitStart));
        for (FitResult.FreezeEvent e : r.timeline()) {
            RunFiles.append(f, Map.of("phase", phase, "step", offset + e.step(), "epoch", e.epoch(),
                    "group", e.group(), "frozen", e.frozen(), "by", e.by()));
        }
    }

    /** Steps of the phases before {@code phase}, from the recorded epochs. */
    private long stepsBefore(int phase) {
        long n = 0;
        for (JsonNode l : RunReport.epochs(dir)) {
            if (l.get("phase").asInt() < phase) {
                n += l.get("record").get("steps").asLong();
            }
        }
        return n;
    }

    private void writeOutputs() {
        List<EpochRecord> epochs = new ArrayList<>();
        RunReport.epochs(dir).forEach(l -> epochs.add(RunFiles.convert(l.get("record"), EpochRecord.class)));
        List<FitResult.FreezeEvent> events = new ArrayList<>();
        for (JsonNode l : RunFiles.lines(dir.resolve(RunFiles.TIMELINE))) {
            if (l.has("group")) {
                // "by" is absent in runs recorded before it existed: read as "user"
                events.add(new FitResult.FreezeEvent(l.get("step").asLong(), l.get("epoch").asInt(),
                        l.get("group").asText(), l.get("frozen").asBoolean(),
                        l.hasNonNull("by") ? l.get("by").asText() : null));
            }
        }
        if (!epochs.isEmpty()) {
            FitResult all = new FitResult(epochs, false, null, events, lastInfo);
            dev.frost.io.RunRecords.write(dir.resolve(RunFiles.RECORD), all);
            System.out.println(all.savingsLine());
        }
        RunReport.write(dir);
        System.out.println((state.status().equals("stopped") ? "stopped; resume with: frost train --resume " + dir
                : "finished") + "; report: " + dir.resolve(RunFiles.REPORT));
    }

    static boolean hasCheckpoint(Path dir, String phase) {
        Path ck = dir.resolve(RunFiles.CHECKPOINTS).resolve(phase);
        return Files.isRegularFile(ck.resolve("LATEST"));
    }

    private static void refuseExisting(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new FrostException("run.dir " + dir + " is a file");
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.findAny().isPresent()) {
                throw new FrostException("run.dir " + dir + " already holds files (a run?): choose another run.dir,"
                        + " or continue it with frost train --resume " + dir);
            }
        } catch (IOException e) {
            throw new FrostException("run.dir " + dir + " cannot be listed: " + e.getMessage(), e);
        }
    }

    /**
     * The small files that say what the model reads and computes (a tokenizer.json, a BERT config.json) are copied
     * into the run and its config points at the copies: evaluate, predict, resume and export then read what training
     * read, even after the originals are moved or edited.
     */
    private static void keepCopies(ObjectNode tree, Path dir) {
        copyInto(tree.path("data").path("text"), "tokenizer", dir, "tokenizer.json");
        copyInto(tree.path("model").path("bert"), "config", dir, "bert-config.json");
    }

    private static void copyInto(JsonNode node, String key, Path dir, String name) {
        if (!(node instanceof ObjectNode section)) {
            return;
        }
        JsonNode v = section.get(key);
        if (v == null || !v.isTextual() || v.asText().equals("minilm") || !Files.isRegularFile(Path.of(v.asText()))) {
            return;
        }
        Path copy = dir.resolve("assets").resolve(name);
        try {
            Files.createDirectories(copy.getParent());
            Files.copy(Path.of(v.asText()), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new FrostException("cannot copy " + v.asText() + " into the run: " + e.getMessage(), e);
        }
        section.put(key, copy.toString());
    }

    /** Paths in the resolved config become absolute, so a resume from another folder reads the same files. */
    static void absolutize(ObjectNode tree) {
        ObjectNode d = (ObjectNode) tree.get("data");
        for (String k : List.of("train", "valid", "test")) {
            if (d.hasNonNull(k)) {
                d.put(k, Path.of(d.get(k).asText()).toAbsolutePath().toString());
            }
        }
        ObjectNode cache = (ObjectNode) tree.get("strategy").get("cache");
        if (cache != null && cache.hasNonNull("features")) {
            cache.put("features", Path.of(cache.get("features").asText()).toAbsolutePath().toString());
        }
        ObjectNode base = (ObjectNode) tree.get("model").get("base");
        // a classpath: resource is the same from any folder (and is no file path)
        if (base != null && base.hasNonNull("checkpoint")
                && !base.get("checkpoint").asText().startsWith("classpath:")) {
            base.put("checkpoint", Path.of(base.get("checkpoint").asText()).toAbsolutePath().toString());
        }
    }

    private static void threads(int n) {
        if (n > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(n));
            FrostEngine.get();
            ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
        }
    }
}
