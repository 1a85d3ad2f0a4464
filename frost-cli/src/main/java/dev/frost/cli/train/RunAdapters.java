package dev.frost.cli.train;

import dev.frost.FrostException;
import dev.frost.layers.Layer;
import dev.frost.lora.LoraConfig;
import dev.frost.lora.LoraModel;
import dev.frost.lora.ModuleNames;
import dev.frost.model.FrostModel;
import dev.frost.text.bert.Bert;

import java.util.List;

/**
 * {@code strategy.type: lora}: the built model with LoRA adapters (PEFT's rules and file names). The adapters are part
 * of the model's architecture, so train, resume, evaluate, predict and export all build the model through here.
 */
public final class RunAdapters {
    private RunAdapters() {}

    /** Whether the run trains LoRA adapters. */
    public static boolean isLora(RunSpec spec) {
        return "lora".equals(spec.strategy().type());
    }

    /** Module names as Hugging Face (and so PEFT) writes them: BERT layers under {@code encoder.layer.N}. */
    public static ModuleNames names(RunSpec spec) {
        String type = spec.model().type();
        return "minilm".equals(type) || "bert".equals(type) ? Bert::huggingFaceName : ModuleNames.identity();
    }

    /**
     * Wraps {@code model}'s targeted Linear layers; on a refusal the model is closed and the error names the
     * {@code strategy.lora} key.
     */
    public static LoraModel apply(RunSpec spec, FrostModel model) {
        try {
            return LoraModel.apply(model, config(spec, model), names(spec));
        } catch (FrostException e) {
            model.close();
            throw e.getMessage().startsWith("strategy.") ? e
                    : new FrostException("strategy.lora: " + e.getMessage(), e);
        }
    }

    static LoraConfig config(RunSpec spec, FrostModel model) {
        RunSpec.Lora l = spec.strategy().lora();
        String type = spec.model().type();
        boolean bert = "minilm".equals(type) || "bert".equals(type);
        LoraConfig.Builder b = LoraConfig.builder().r(l.r()).alpha(l.alpha()).dropout(l.dropout().floatValue())
                .useRslora(l.useRslora()).seed(spec.run().seed());
        if (l.targetRegex() != null && !l.targetRegex().isBlank()) {
            if (!l.targetModules().isEmpty()) {
                throw new FrostException("strategy.lora: give target_modules or target_regex, not both");
            }
            b.targetRegex(l.targetRegex());
        } else if (!l.targetModules().isEmpty()) {
            b.targetModules(l.targetModules());
        } else if (bert) {
            b.targetModules("query", "value"); // PEFT's default for BERT-family models
        } else {
            throw new FrostException("strategy.lora.target_modules is required for model.type " + type
                    + ": name the Linear layers to adapt (layers: " + String.join(", ", model.layers().stream()
                    .map(Layer::name).toList()) + ")");
        }
        List<String> save = l.modulesToSave();
        if (save.isEmpty()) { // the new head trains, as PEFT adds the classifier for SEQ_CLS
            ModuleNames names = names(spec);
            save = model.groups().get(model.groups().size() - 1).layers().stream()
                    .filter(x -> x.parameterCount() > 0).map(x -> names.toHuggingFace(x.name())).toList();
        }
        b.modulesToSave(save);
        if (bert) {
            b.taskType("SEQ_CLS").baseModelNameOrPath("minilm".equals(type) ? "sentence-transformers/all-MiniLM-L6-v2"
                    : spec.model().bert().weights());
        }
        return b.build();
    }
}
