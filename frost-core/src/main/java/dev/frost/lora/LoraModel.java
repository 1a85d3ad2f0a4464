package dev.frost.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import dev.frost.FrostException;
import dev.frost.engine.Autograd;
import dev.frost.engine.FrostEngine;
import dev.frost.io.AtomicFiles;
import dev.frost.layers.Layer;
import dev.frost.layers.LayerKind;
import dev.frost.layers.LoraLinear;
import dev.frost.model.FrostModel;
import dev.frost.model.LayerGroup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model with LoRA adapters (Hugging Face PEFT's {@code get_peft_model}). {@link #apply} replaces every targeted
 * Linear layer, at any depth, by a {@link LoraLinear} of the same name, then freezes everything except the adapters
 * and {@code modules_to_save} through the ordinary switches: base weights get no gradient and no optimizer state,
 * normalization keeps its rules, and the top-level layers below the first adapter form the frozen prefix the
 * activation cache serves.
 *
 * <pre>{@code
 * LoraModel lora = LoraModel.apply(base, LoraConfig.builder().r(4).alpha(8).targetModules("fc2").build());
 * new Trainer(lora.model(), new AdamW(), config).fit(train, valid);
 * lora.save(dir);                          // adapter_model.safetensors + adapter_config.json, as PEFT writes them
 * lora.load(otherDir);                     // swap in another adapter trained on the same base
 * lora.merge();                            // W += (alpha/r)·B·A for inference; unmerge() takes it back out
 * }</pre>
 *
 * The LoRA model takes over the base's layers and native memory (as {@code TransferLearning} does): close it, and do
 * not use the base afterwards. Group-level calls such as {@code model().unfreeze()} reach the base weights too.
 */
public final class LoraModel implements AutoCloseable {
    private final FrostModel model;
    private final ModuleNames names;
    private final Map<String, LoraLinear> adapters;
    private final Map<String, Layer> saved;
    private LoraConfig config;

    private LoraModel(FrostModel model, LoraConfig config, ModuleNames names, Map<String, LoraLinear> adapters,
                      Map<String, Layer> saved) {
        this.model = model;
        this.config = config;
        this.names = names;
        this.adapters = Collections.unmodifiableMap(adapters);
        this.saved = Collections.unmodifiableMap(saved);
    }

    /** Adapts {@code base} with Frost layer paths as module names. */
    public static LoraModel apply(FrostModel base, LoraConfig config) {
        return apply(base, config, ModuleNames.identity());
    }

    /**
     * Adapts {@code base}: targets and {@code modules_to_save} are matched against {@code names}' Hugging Face
     * module names. Every check (each target matches, only Linear layers, rank fits) runs before anything changes.
     */
    public static LoraModel apply(FrostModel base, LoraConfig config, ModuleNames names) {
        Targets t = Targets.resolve(base, config, names);
        Map<String, LoraLinear> adapters = new LinkedHashMap<>();
        Autograd.exclusiveStep(() -> {
            FrostEngine.seed(config.seed());
            t.linears().forEach((path, linear) -> adapters.put(path, LoraLinear.wrap(linear, config.r(),
                    config.scaling(), config.dropout(), base.manager())));
            return null;
        });
        Map<String, Layer> replacedTop = new LinkedHashMap<>();
        adapters.forEach((path, lora) -> {
            int dot = path.indexOf('.');
            if (dot < 0) {
                replacedTop.put(path, lora.layer());
            } else {
                lora.installIn(base.layer(path.substring(0, dot)), path.substring(dot + 1));
            }
        });
        FrostModel model = rebuild(base, replacedTop);
        Map<String, Layer> saved = new LinkedHashMap<>();
        t.saved().keySet().forEach(path -> saved.put(path, find(model, path)));
        LoraModel lora = new LoraModel(model, config, names, adapters, saved);
        lora.freezeBase();
        return lora;
    }

    /** A new model over the same layers and memory, top-level targets replaced; groups keep names and rates. */
    private static FrostModel rebuild(FrostModel base, Map<String, Layer> replacedTop) {
        FrostModel.Builder b = FrostModel.builder(base.inputShape()).optManager(base.manager());
        base.sideInputShapes().forEach(b::addSideInput);
        for (LayerGroup g : base.groups()) {
            List<Layer> layers = new ArrayList<>();
            g.layers().forEach(l -> layers.add(replacedTop.getOrDefault(l.name(), l)));
            b.addGroup(g.name(), layers);
        }
        FrostModel model = b.build();
        model.setTrainBn(base.isTrainBn());
        for (int i = 0; i < base.groups().size(); i++) {
            model.group(i).setLrMultiplier(base.group(i).lrMultiplier());
        }
        return model;
    }

    static Layer find(FrostModel model, String path) {
        int dot = path.indexOf('.');
        Layer top = model.layer(dot < 0 ? path : path.substring(0, dot));
        return dot < 0 ? top : top.sublayer(path.substring(dot + 1));
    }

    /** Everything frozen but the adapters (A, B, their dropout) and modules_to_save. */
    private void freezeBase() {
        model.freezeTo(model.groups().size());
        adapters.values().forEach(a -> setAdapterTrainable(a, true));
        saved.values().forEach(l -> l.setTrainable(true));
        model.applyFreezeState();
    }

    private static void setAdapterTrainable(LoraLinear a, boolean trainable) {
        for (Layer c : a.layer().children()) {
            if (!c.name().equals(LoraLinear.BASE)) {
                c.setTrainable(trainable);
            }
        }
    }

    public FrostModel model() {
        return model;
    }

    public LoraConfig config() {
        return config;
    }

    public ModuleNames moduleNames() {
        return names;
    }

    /** The adapted layers by Frost path, in model order. */
    public Map<String, LoraLinear> adapters() {
        return adapters;
    }

    /** The {@code modules_to_save} layers by Frost path. */
    public Map<String, Layer> modulesToSave() {
        return saved;
    }

    public boolean isMerged() {
        return adapters.values().iterator().next().isMerged();
    }

    /**
     * Folds every adapter into its base weight for inference (PEFT's {@code merge_adapter}); the adapters are then
     * frozen, since the forward pass no longer reads them. A no-op when already merged.
     */
    public void merge() {
        if (isMerged()) {
            return;
        }
        adapters.values().forEach(a -> {
            a.merge();
            setAdapterTrainable(a, false);
        });
        model.applyFreezeState();
    }

    /** Takes every adapter back out of its base weight (equal within float rounding) and makes them trainable. */
    public void unmerge() {
        if (!isMerged()) {
            return;
        }
        adapters.values().forEach(a -> {
            a.unmerge();
            setAdapterTrainable(a, true);
        });
        model.applyFreezeState();
    }

    /** Hugging Face tensor name → parameter, as PEFT's {@code get_peft_model_state_dict} names them. */
    Map<String, Parameter> peftTensors() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        adapters.forEach((path, a) -> {
            String hf = PeftFiles.PREFIX + names.toHuggingFace(path);
            out.put(hf + "." + LoraLinear.A + ".weight", a.loraA());
            out.put(hf + "." + LoraLinear.B + ".weight", a.loraB());
        });
        saved.forEach((path, layer) -> {
            String hf = PeftFiles.PREFIX + names.toHuggingFace(path);
            layer.allParameters().forEach((k, p) -> out.put(hf + "." + PeftFiles.torchName(k), p));
        });
        return out;
    }

    /**
     * Writes {@code adapter_model.safetensors} and {@code adapter_config.json} into {@code dir} as PEFT's
     * {@code save_pretrained} does (each file atomically). Merged or not, the adapters are saved apart from W.
     */
    public void save(Path dir) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        peftTensors().forEach((k, p) -> tensors.put(k, p.getArray()));
        PeftFiles.requireFinite(tensors, dir);
        byte[] weights = PeftFiles.encode(tensors);
        byte[] cfg = PeftFiles.writeConfig(config);
        AtomicFiles.write(dir.resolve(PeftFiles.WEIGHTS), weights);
        AtomicFiles.write(dir.resolve(PeftFiles.CONFIG), cfg);
    }

    /**
     * Loads an adapter saved by {@link #save} or by PEFT for the same base: the config's {@code peft_type}, keys,
     * rank and targets, and every tensor's name, shape and finiteness are checked before anything is copied, so a
     * refused file leaves the model untouched. Alpha (the scale) comes from the file; a merged model stays merged,
     * with the new adapter. The dropout rate stays the one given to {@link #apply}.
     */
    public void load(Path dir) {
        LoraConfig loaded = PeftFiles.readConfig(AtomicFiles.read(dir.resolve(PeftFiles.CONFIG)),
                dir.resolve(PeftFiles.CONFIG));
        if (loaded.r() != config.r()) {
            throw new FrostException(dir.resolve(PeftFiles.CONFIG) + ": key 'r' is " + loaded.r()
                    + " but this model's adapters have rank " + config.r());
        }
        for (String path : adapters.keySet()) {
            if (!loaded.targets(names.toHuggingFace(path))) {
                throw new FrostException(dir.resolve(PeftFiles.CONFIG) + ": key 'target_modules' does not cover"
                        + " module '" + names.toHuggingFace(path) + "', which this model adapts");
            }
        }
        Path file = dir.resolve(PeftFiles.WEIGHTS);
        byte[] bytes = AtomicFiles.read(file);
        Map<String, Parameter> targets = peftTensors();
        try (NDManager tmp = model.manager().newSubManager()) {
            Map<String, NDArray> tensors = PeftFiles.decodeChecked(tmp, bytes, file, targets);
            boolean wasMerged = isMerged();
            unmerge();
            Autograd.withoutRecording(() -> {
                targets.forEach((k, p) -> tensors.get(k).copyTo(p.getArray()));
                return null;
            });
            adapters.values().forEach(a -> a.setScaling(loaded.scaling()));
            if (wasMerged) {
                merge();
            }
        }
        this.config = loaded.toBuilder().dropout(config.dropout()).seed(config.seed()).build();
    }

    @Override
    public void close() {
        model.close();
    }

    /** Which layers {@link #apply} adapts and saves, resolved and checked before anything changes. */
    private record Targets(Map<String, Layer> linears, Map<String, Layer> saved) {
        static Targets resolve(FrostModel base, LoraConfig config, ModuleNames names) {
            Map<String, Layer> all = new LinkedHashMap<>();
            for (Layer top : base.layers()) {
                top.tree().forEach((path, l) -> {
                    if (l.kind() == LayerKind.LORA) {
                        throw new FrostException("layer '" + path + "' already has a LoRA adapter: apply LoRA once");
                    }
                    all.put(path, l);
                });
            }
            Map<String, String> hf = new LinkedHashMap<>();
            Map<String, String> back = new LinkedHashMap<>();
            all.keySet().forEach(p -> {
                String h = names.toHuggingFace(p);
                String other = back.put(h, p);
                if (other != null) {
                    throw new FrostException("module names: layers '" + other + "' and '" + p + "' both map to '"
                            + h + "'");
                }
                hf.put(p, h);
            });
            Map<String, Layer> linears = new LinkedHashMap<>();
            all.forEach((p, l) -> {
                if (config.targets(hf.get(p))) {
                    if (l.isComposite() || l.kind() != LayerKind.LINEAR) {
                        throw new FrostException("target_modules matches module '" + hf.get(p) + "' (layer '" + p
                                + "', " + l.kind().name().toLowerCase(java.util.Locale.ROOT)
                                + "): LoRA adapts Linear layers only");
                    }
                    Parameter w = l.learnableParameters().get("weight");
                    long max = Math.min(w.getShape().get(0), w.getShape().get(1));
                    if (config.r() > max) {
                        throw new FrostException("module '" + hf.get(p) + "': LoRA rank " + config.r()
                                + " exceeds min(in, out) = " + max + " of its weight " + w.getShape());
                    }
                    linears.put(p, l);
                }
            });
            List<String> entries = config.targetRegex() != null ? List.of(config.targetRegex())
                    : config.targetModules();
            for (String e : entries) {
                boolean hit = config.targetRegex() != null ? !linears.isEmpty()
                        : linears.keySet().stream().anyMatch(p -> LoraConfig.matchesEntry(hf.get(p), e));
                if (!hit) {
                    throw new FrostException("target_modules entry '" + e + "' matches no layer; Linear layers are: "
                            + String.join(", ", all.entrySet().stream()
                            .filter(x -> x.getValue().kind() == LayerKind.LINEAR).map(x -> hf.get(x.getKey()))
                            .toList()));
                }
            }
            Map<String, Layer> saved = new LinkedHashMap<>();
            for (String e : config.modulesToSave()) {
                boolean hit = false;
                for (Map.Entry<String, Layer> x : all.entrySet()) {
                    String p = x.getKey();
                    if (LoraConfig.matchesEntry(hf.get(p), e)) {
                        hit = true;
                        if (linears.keySet().stream().anyMatch(t -> t.equals(p) || t.startsWith(p + ".")
                                || p.startsWith(t + "."))) {
                            throw new FrostException("modules_to_save entry '" + e + "' matches module '" + hf.get(p)
                                    + "', which overlaps a LoRA target");
                        }
                        if (saved.keySet().stream().noneMatch(s -> p.startsWith(s + "."))) {
                            saved.put(p, x.getValue());
                        }
                    }
                }
                if (!hit) {
                    throw new FrostException("modules_to_save entry '" + e + "' matches no layer");
                }
            }
            return new Targets(linears, saved);
        }
    }
}
