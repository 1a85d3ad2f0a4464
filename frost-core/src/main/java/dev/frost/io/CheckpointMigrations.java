package dev.frost.io;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Renames of tensor names between checkpoint versions, so checkpoints written by older Frost versions keep loading.
 * Each rule applies to checkpoints older than the version that introduced it; a later rename adds a rule, not code.
 */
final class CheckpointMigrations {
    /** A regex rename of qualified tensor names, for checkpoints written before {@code sinceVersion}. */
    private record Rule(int sinceVersion, Pattern from, String to) {}

    private static final List<Rule> RULES = List.of(
            // version 3: BERT layers take Hugging Face's module layout and names
            rule(3, "^(layer\\d+)\\.q_(weight|bias)$", "$1.attention.self.query.$2"),
            rule(3, "^(layer\\d+)\\.k_(weight|bias)$", "$1.attention.self.key.$2"),
            rule(3, "^(layer\\d+)\\.v_(weight|bias)$", "$1.attention.self.value.$2"),
            rule(3, "^(layer\\d+)\\.o_(weight|bias)$", "$1.attention.output.dense.$2"),
            rule(3, "^(layer\\d+)\\.ln1_gamma$", "$1.attention.output.LayerNorm.weight"),
            rule(3, "^(layer\\d+)\\.ln1_beta$", "$1.attention.output.LayerNorm.bias"),
            rule(3, "^(layer\\d+)\\.ffn1_(weight|bias)$", "$1.intermediate.dense.$2"),
            rule(3, "^(layer\\d+)\\.ffn2_(weight|bias)$", "$1.output.dense.$2"),
            rule(3, "^(layer\\d+)\\.ln2_gamma$", "$1.output.LayerNorm.weight"),
            rule(3, "^(layer\\d+)\\.ln2_beta$", "$1.output.LayerNorm.bias"),
            rule(3, "^embeddings\\.(word|position|token_type)_embeddings$", "embeddings.$1_embeddings.weight"),
            rule(3, "^embeddings\\.ln_gamma$", "embeddings.LayerNorm.weight"),
            rule(3, "^embeddings\\.ln_beta$", "embeddings.LayerNorm.bias"));

    private CheckpointMigrations() {}

    private static Rule rule(int since, String from, String to) {
        return new Rule(since, Pattern.compile(from), to);
    }

    /** The current name of a tensor written by a checkpoint of {@code version}. */
    static String rename(int version, String name) {
        String out = name;
        for (Rule r : RULES) {
            if (version < r.sinceVersion()) {
                out = r.from().matcher(out).replaceFirst(r.to());
            }
        }
        return out;
    }

    /** A map keyed by tensor names (optimizer state: {@code name:buffer}), renamed for {@code version}. */
    static <V> Map<String, V> renameKeys(int version, Map<String, V> in) {
        Map<String, V> out = new LinkedHashMap<>();
        in.forEach((k, v) -> {
            int colon = k.lastIndexOf(':');
            String key = colon < 0 ? rename(version, k) : rename(version, k.substring(0, colon)) + k.substring(colon);
            out.put(key, v);
        });
        return out;
    }
}
