package dev.frost.cli.train;

import java.util.List;
import java.util.Map;

/**
 * The {@code frost train} config file as immutable records (keys are the snake_case of the components). Every key
 * has a default in {@code frost/train-defaults.yaml}, which is merged under the user's file, so after
 * {@link ConfigLoader#load} no field that has a default is null. {@code data.type} and {@code model.type} select
 * the sub-sections that apply, so new sources and bases (text, ONNX) add a section without changing the others.
 */
public record RunSpec(Run run, Data data, Model model, Strategy strategy, Trainer trainer) {

    /** Where the run's files go, and what makes it reproducible. */
    public record Run(String dir, Long seed, Integer threads) {}

    /** Training data and, optionally, separate validation/test sources or a seeded split of the training source. */
    public record Data(String type, String train, String valid, String test, Split split, Images images, Csv csv,
                       Text text) {}

    /**
     * {@code data.type: text}: JSON lines of texts and class labels, tokenized with WordPiece ({@code minilm}: the
     * tokenizer bundled with MiniLM, or a path to a Hugging Face {@code tokenizer.json}).
     */
    public record Text(String textField, String labelField, Integer seqLen, String tokenizer) {}

    /** Fractions of the training source held out when {@code valid}/{@code test} are not given. */
    public record Split(Double valid, Double test, Boolean stratified) {}

    /** {@code data.type: images}: {@code root/<class>/<images>}. */
    public record Images(Integer height, Integer width, Integer channels, List<Double> mean, List<Double> std,
                         String onCorrupt) {}

    /** {@code data.type: csv}: numeric feature columns and one or more label columns. */
    public record Csv(List<String> labelColumns, List<String> featureColumns, String task, String delimiter,
                      String standardize) {}

    /**
     * {@code type}: mlp, cnn, resnet (built in), pretrained (a Frost checkpoint, cut, and a new head) or minilm (the
     * real pretrained all-MiniLM-L6-v2 encoder with mean pooling and a new linear head; text data) or bert (any
     * BERT-family encoder from Hugging Face files, {@link BertFiles}).
     */
    public record Model(String type, List<Integer> hidden, List<Integer> channels, Integer blocksPerStage,
                        Base base, String cutAfter, Head head, BertFiles bert, Double dropout) {}

    /**
     * {@code model.type: bert}: a BERT-family encoder from Hugging Face files: {@code config.json} and weights as
     * {@code model.safetensors} (BertModel names) or an ONNX export.
     */
    public record BertFiles(String config, String weights) {}

    /**
     * The base of {@code model.type: pretrained}: a built-in architecture ({@code mlp}, {@code cnn}, {@code resnet})
     * and the Frost {@code checkpoint} folder it wrote, or {@code torchvision-resnet18|34|50} and its state dict as
     * safetensors ({@code weights}).
     */
    public record Base(String type, String checkpoint, String weights, Integer classes, List<Integer> hidden,
                       List<Integer> channels, Integer blocksPerStage) {}

    /** The new head on a cut base: optional hidden Linear+ReLU layers, optional BatchNorm, then the output layer. */
    public record Head(List<Integer> hidden, Boolean batchNorm) {}

    /** What is frozen when: a fastai method, a policy by name, or a fixed list. */
    public record Strategy(String type, Integer freezeEpochs, Integer keepFrozen, Double lrMult,
                           Integer epochsPerStage, List<String> frozenGroups, String policy, FreezeOut freezeout,
                           AutoFreeze autofreeze, Schedule schedule, Linear linear, Lora lora, Cache cache,
                           Boolean trainBn) {}

    /**
     * {@code strategy.type: lora}: PEFT's LoraConfig keys. Targets match Hugging Face module names for BERT-family
     * models (default query, value) and Frost layer paths otherwise; {@code modules_to_save} defaults to the head.
     */
    public record Lora(Integer r, Double alpha, Double dropout, List<String> targetModules, String targetRegex,
                       List<String> modulesToSave, Boolean useRslora) {}

    /** FreezeOut's parameters (t0, scale linear/squared/cubic, scaled). */
    public record FreezeOut(Double t0, String scale, Boolean scaled) {}

    /** AutoFreeze's parameters (interval 0: total steps / 10). */
    public record AutoFreeze(Double percentile, Long interval) {}

    /** A hand-written schedule: from epoch e on, the first n groups are frozen. */
    public record Schedule(Map<Integer, Integer> frozenGroupsByEpoch) {}

    /** Composer's linear freezing. */
    public record Linear(Double freezeStart, Double freezeLevel) {}

    /**
     * The activation cache at the freeze boundary; {@code features}: a feature set written by {@code frost featurize}
     * for this model, data and boundary, served as the cache's rows (a feature set for another key is refused).
     */
    public record Cache(Boolean enabled, Long memoryBudgetMb, String precision, String features) {}

    /** The training loop's settings. */
    public record Trainer(Integer epochs, Integer batchSize, Double lr, String schedule, Optimizer optimizer,
                          String loss, Double labelSmoothing, Double huberDelta, List<String> metrics,
                          Double clipNorm, Integer accumulate, EarlyStopping earlyStopping, Checkpoint checkpoint,
                          Boolean progressBar, Integer stopAfterSteps) {}

    /** adamw or sgd and their hyper-parameters. */
    public record Optimizer(String type, Double weightDecay, Double beta1, Double beta2, Double eps, Double momentum,
                            Boolean nesterov, Boolean noDecayOnBiasAndNorm) {}

    /** Keras's EarlyStopping; patience 0 turns it off. */
    public record EarlyStopping(String monitor, Integer patience, Double minDelta) {}

    /** Which metric picks the best checkpoint, and how many recent versions are kept. */
    public record Checkpoint(String monitor, Integer keepLast) {}
}
