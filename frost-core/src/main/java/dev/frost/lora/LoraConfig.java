package dev.frost.lora;

import dev.frost.FrostException;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * PEFT's {@code LoraConfig}, for the subset Frost implements: rank {@code r}, {@code lora_alpha},
 * {@code lora_dropout}, {@code target_modules} (a list: a module is targeted when its name equals an entry or ends
 * with {@code "." + entry}; or one regex that must match the whole name), {@code modules_to_save} (same matching;
 * trained and saved whole, e.g. a new head), {@code use_rslora}, {@code bias} ("none" only), and the descriptive
 * {@code base_model_name_or_path} and {@code task_type}. Names are Hugging Face module names, which a
 * {@link ModuleNames} mapping derives from Frost layer paths (identity by default).
 *
 * <pre>{@code
 * LoraConfig c = LoraConfig.builder().r(8).alpha(16).targetModules("query", "value").dropout(0.1f).build();
 * }</pre>
 */
public final class LoraConfig {
    /** PEFT's {@code TaskType} values; {@code task_type} may also be absent (null). */
    public static final Set<String> TASK_TYPES = Set.of("SEQ_CLS", "SEQ_2_SEQ_LM", "CAUSAL_LM", "TOKEN_CLS",
            "QUESTION_ANS", "FEATURE_EXTRACTION");

    private final int r;
    private final double alpha;
    private final float dropout;
    private final List<String> targetModules;
    private final String targetRegex;
    private final List<String> modulesToSave;
    private final boolean useRslora;
    private final String baseModel;
    private final String taskType;
    private final long seed;

    private LoraConfig(Builder b) {
        this.r = b.r;
        this.alpha = b.alpha;
        this.dropout = b.dropout;
        this.targetModules = b.targetModules;
        this.targetRegex = b.targetRegex;
        this.modulesToSave = b.modulesToSave;
        this.useRslora = b.useRslora;
        this.baseModel = b.baseModel;
        this.taskType = b.taskType;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.r = r;
        b.alpha = alpha;
        b.dropout = dropout;
        b.targetModules = targetModules;
        b.targetRegex = targetRegex;
        b.modulesToSave = modulesToSave;
        b.useRslora = useRslora;
        b.baseModel = baseModel;
        b.taskType = taskType;
        b.seed = seed;
        return b;
    }

    public int r() {
        return r;
    }

    public double alpha() {
        return alpha;
    }

    public float dropout() {
        return dropout;
    }

    /** The listed target names, empty when a regex is used instead. */
    public List<String> targetModules() {
        return targetModules;
    }

    /** The target regex, or null when targets are listed. */
    public String targetRegex() {
        return targetRegex;
    }

    public List<String> modulesToSave() {
        return modulesToSave;
    }

    public boolean useRslora() {
        return useRslora;
    }

    /** {@code base_model_name_or_path}; null when unknown. */
    public String baseModelNameOrPath() {
        return baseModel;
    }

    /** {@code task_type}; null when not given. */
    public String taskType() {
        return taskType;
    }

    /** Seed for drawing the A matrices (not saved: PEFT has no such key). */
    public long seed() {
        return seed;
    }

    /** PEFT's scale: {@code alpha/r}, or {@code alpha/sqrt(r)} with rsLoRA. */
    public float scaling() {
        return (float) (useRslora ? alpha / Math.sqrt(r) : alpha / r);
    }

    /** Whether a Hugging Face module name is targeted: PEFT's rule for a list, a full match for a regex. */
    public boolean targets(String module) {
        return targetRegex != null ? Pattern.matches(targetRegex, module) : targetModules.stream()
                .anyMatch(t -> matchesEntry(module, t));
    }

    /** PEFT's list rule: equal to the entry, or ending with {@code "." + entry}. */
    static boolean matchesEntry(String module, String entry) {
        return module.equals(entry) || module.endsWith("." + entry);
    }

    /** Values are checked by {@link #build()}; each refusal names the key. */
    public static final class Builder {
        private int r = 8;
        private double alpha = 8;
        private float dropout;
        private List<String> targetModules = List.of();
        private String targetRegex;
        private List<String> modulesToSave = List.of();
        private boolean useRslora;
        private String baseModel;
        private String taskType;
        private long seed = 42;

        private Builder() {}

        /** The rank; PEFT's default 8. */
        public Builder r(int r) {
            this.r = r;
            return this;
        }

        /** {@code lora_alpha}; PEFT's default 8. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** {@code lora_dropout}, applied to the adapter's input while training; default 0. */
        public Builder dropout(float dropout) {
            this.dropout = dropout;
            return this;
        }

        /** Target names: a module matches an entry it equals or ends with after a dot ("query" matches "a.query"). */
        public Builder targetModules(String... names) {
            return targetModules(List.of(names));
        }

        public Builder targetModules(List<String> names) {
            this.targetModules = List.copyOf(names);
            this.targetRegex = null;
            return this;
        }

        /** One regex instead of a list; it must match a module's whole name (PEFT's {@code re.fullmatch}). */
        public Builder targetRegex(String regex) {
            this.targetRegex = regex;
            this.targetModules = List.of();
            return this;
        }

        /** Modules trained in full and saved with the adapter (a new head), matched as list targets are. */
        public Builder modulesToSave(String... names) {
            return modulesToSave(List.of(names));
        }

        public Builder modulesToSave(List<String> names) {
            this.modulesToSave = List.copyOf(names);
            return this;
        }

        /** Rank-stabilized LoRA: scale {@code alpha/sqrt(r)}. */
        public Builder useRslora(boolean useRslora) {
            this.useRslora = useRslora;
            return this;
        }

        public Builder baseModelNameOrPath(String name) {
            this.baseModel = name;
            return this;
        }

        /** One of {@link #TASK_TYPES}, or null. */
        public Builder taskType(String taskType) {
            this.taskType = taskType;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public LoraConfig build() {
            if (r <= 0) {
                throw new FrostException("LoRA config: r must be positive, got " + r);
            }
            if (!(alpha > 0) || Double.isInfinite(alpha)) {
                throw new FrostException("LoRA config: lora_alpha must be positive and finite, got " + alpha);
            }
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new FrostException("LoRA config: lora_dropout must be in [0, 1), got " + dropout);
            }
            if (targetRegex == null && targetModules.isEmpty()) {
                throw new FrostException("LoRA config: target_modules is empty: name the Linear layers to adapt");
            }
            if (targetRegex != null) {
                try {
                    Pattern.compile(targetRegex);
                } catch (PatternSyntaxException e) {
                    throw new FrostException("LoRA config: target_modules regex '" + targetRegex + "' is invalid: "
                            + e.getDescription());
                }
            }
            for (String t : targetModules) {
                if (t == null || t.isBlank()) {
                    throw new FrostException("LoRA config: target_modules holds an empty name");
                }
            }
            for (String t : modulesToSave) {
                if (t == null || t.isBlank()) {
                    throw new FrostException("LoRA config: modules_to_save holds an empty name");
                }
            }
            if (taskType != null && !TASK_TYPES.contains(taskType)) {
                throw new FrostException("LoRA config: task_type '" + taskType + "' is not one of PEFT's "
                        + TASK_TYPES.stream().sorted().toList());
            }
            return new LoraConfig(this);
        }
    }
}
