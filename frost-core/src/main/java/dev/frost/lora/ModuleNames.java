package dev.frost.lora;

/**
 * Maps a Frost layer path ({@code res1.body.fc1}) to the Hugging Face module name PEFT uses for it, so that
 * {@code target_modules} match and tensor names in {@code adapter_model.safetensors} fit the original model. The
 * identity suits models defined in Frost; a ported model supplies its own (BERT: {@code layer0.} to
 * {@code encoder.layer.0.}). The mapping must give distinct names to distinct layers.
 */
@FunctionalInterface
public interface ModuleNames {
    String toHuggingFace(String frostPath);

    /** Frost paths used as they are. */
    static ModuleNames identity() {
        return path -> path;
    }
}
