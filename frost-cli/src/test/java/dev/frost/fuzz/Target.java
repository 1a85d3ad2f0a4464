package dev.frost.fuzz;

import java.nio.file.Path;
import java.util.SplittableRandom;

/** One reader under fuzzing: its seeds, a mutated input per case, and the call through its public API. */
interface Target {
    /** Builds the seeds; {@code work} is a scratch folder for readers that take a path. */
    void setUp(Path work) throws Exception;

    /** One mutated input, a pure function of {@code r}. */
    byte[] input(SplittableRandom r) throws Exception;

    /**
     * Parses {@code input} through the public reader and checks what it returned; a refusal is a
     * {@link dev.frost.FrostException}, anything else thrown is a bug.
     */
    void run(byte[] input) throws Exception;

    /** A file name that every refusal message must contain (one of them). */
    String[] names();

    static Target of(String name) {
        return switch (name) {
            case "safetensors" -> new SafeTensorsTarget();
            case "idx" -> new IdxTarget();
            case "onnx" -> new OnnxTarget();
            case "tokenizer" -> new TokenizerTarget();
            case "digits" -> new DigitsTarget();
            default -> throw new IllegalArgumentException(name);
        };
    }
}
