package dev.frost.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.frost.FrostException;
import dev.frost.io.SafeTensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * PEFT's adapter files: {@code adapter_model.safetensors} (tensors {@code base_model.model.<module>.lora_A.weight},
 * float32, with PEFT's {@code {"format": "pt"}} metadata) and {@code adapter_config.json} (every key PEFT's
 * {@code LoraConfig} writes, sorted, the unsupported ones at their defaults). Reading checks each key Frost needs,
 * its type and value, naming the key; features Frost does not implement (DoRA, bias training, rank patterns) are
 * refused rather than silently ignored.
 */
final class PeftFiles {
    static final String WEIGHTS = "adapter_model.safetensors";
    static final String CONFIG = "adapter_config.json";
    static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private PeftFiles() {}

    /** DJL's names of normalization tensors to torch's ({@code gamma} is torch's {@code weight}); others unchanged. */
    static String torchName(String djlPath) {
        int dot = djlPath.lastIndexOf('.');
        String head = djlPath.substring(0, dot + 1);
        String leaf = djlPath.substring(dot + 1);
        return head + switch (leaf) {
            case "gamma" -> "weight";
            case "beta" -> "bias";
            case "runningMean" -> "running_mean";
            case "runningVar" -> "running_var";
            default -> leaf;
        };
    }

    static byte[] encode(Map<String, NDArray> tensors) {
        return SafeTensors.encodeFloat32(tensors, Map.of("format", "pt"));
    }

    static void requireFinite(Map<String, NDArray> tensors, Path where) {
        tensors.forEach((k, a) -> {
            if (!isFinite(a)) {
                throw new FrostException("refusing to save adapter to " + where + ": tensor '" + k
                        + "' holds non-finite values");
            }
        });
    }

    private static boolean isFinite(NDArray a) {
        try (NDArray bad = a.isNaN().logicalOr(a.isInfinite()).any()) {
            return !bad.getBoolean();
        }
    }

    /**
     * Decodes the adapter file into {@code tmp} and checks it against the tensors the model expects, by name (none
     * missing, none extra), shape and finiteness; returns float32 arrays by name.
     */
    static Map<String, NDArray> decodeChecked(NDManager tmp, byte[] bytes, Path file, Map<String, Parameter> expect) {
        Map<String, NDArray> raw = SafeTensors.decode(tmp, bytes, file.toString());
        for (String k : expect.keySet()) {
            if (!raw.containsKey(k)) {
                throw new FrostException(file + " lacks tensor '" + k + "', which this model's adapter needs (an"
                        + " adapter for another base model or other target_modules?)");
            }
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : raw.entrySet()) {
            Parameter p = expect.get(e.getKey());
            if (p == null) {
                throw new FrostException(file + " has tensor '" + e.getKey() + "' for a module this model does not"
                        + " adapt or save");
            }
            NDArray a = e.getValue().getDataType() == DataType.FLOAT32 ? e.getValue()
                    : e.getValue().toType(DataType.FLOAT32, false);
            if (!a.getShape().equals(p.getShape())) {
                throw new FrostException(file + ": tensor '" + e.getKey() + "' has shape " + a.getShape()
                        + " but this model's is " + p.getShape() + " (an adapter for another base model?)");
            }
            if (!isFinite(a)) {
                throw new FrostException(file + ": tensor '" + e.getKey() + "' holds non-finite values");
            }
            out.put(e.getKey(), a);
        }
        return out;
    }

    /** The JSON PEFT's {@code save_pretrained} writes for this config (keys sorted, indent 2). */
    static byte[] writeConfig(LoraConfig c) {
        ObjectNode o = JSON.createObjectNode();
        o.putObject("alpha_pattern");
        o.putNull("auto_mapping");
        o.put("base_model_name_or_path", c.baseModelNameOrPath());
        o.put("bias", "none");
        o.putNull("exclude_modules");
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.putNull("layer_replication");
        o.putNull("layers_pattern");
        o.putNull("layers_to_transform");
        o.putObject("loftq_config");
        if (c.alpha() == Math.rint(c.alpha())) {
            o.put("lora_alpha", (long) c.alpha());
        } else {
            o.put("lora_alpha", c.alpha());
        }
        o.put("lora_bias", false);
        o.put("lora_dropout", (double) c.dropout());
        o.putNull("megatron_config");
        o.put("megatron_core", "megatron.core");
        if (c.modulesToSave().isEmpty()) {
            o.putNull("modules_to_save");
        } else {
            ArrayNode m = o.putArray("modules_to_save");
            c.modulesToSave().forEach(m::add);
        }
        o.put("peft_type", "LORA");
        o.put("r", c.r());
        o.putObject("rank_pattern");
        o.putNull("revision");
        if (c.targetRegex() != null) {
            o.put("target_modules", c.targetRegex());
        } else {
            ArrayNode t = o.putArray("target_modules");
            new TreeSet<>(c.targetModules()).forEach(t::add);
        }
        o.put("task_type", c.taskType());
        o.put("use_dora", false);
        o.put("use_rslora", c.useRslora());
        try {
            return JSON.writeValueAsBytes(sorted(o));
        } catch (IOException e) {
            throw new FrostException("cannot write " + CONFIG + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, JsonNode> sorted(ObjectNode o) {
        Map<String, JsonNode> m = new java.util.TreeMap<>();
        o.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    /** Parses and checks an {@code adapter_config.json}; every refusal names the file and the key. */
    static LoraConfig readConfig(byte[] bytes, Path file) {
        JsonNode o;
        try {
            o = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new FrostException(file + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (o == null || !o.isObject()) {
            throw new FrostException(file + " does not hold a JSON object");
        }
        Keys k = new Keys(o, file);
        String type = k.text("peft_type", true);
        if (!"LORA".equals(type)) {
            throw new FrostException(file + ": key 'peft_type' is '" + type + "'; only LORA adapters are supported");
        }
        LoraConfig.Builder b = LoraConfig.builder().r(k.integer("r")).alpha(k.number("lora_alpha", null));
        JsonNode t = k.require("target_modules");
        if (t.isTextual()) {
            b.targetRegex(t.asText());
        } else {
            b.targetModules(k.strings("target_modules", t));
        }
        b.dropout((float) k.number("lora_dropout", 0.0));
        JsonNode m = o.get("modules_to_save");
        if (m != null && !m.isNull()) {
            b.modulesToSave(k.strings("modules_to_save", m));
        }
        b.useRslora(k.bool("use_rslora", false));
        b.baseModelNameOrPath(k.text("base_model_name_or_path", false));
        b.taskType(k.text("task_type", false));
        String bias = k.text("bias", false);
        if (bias != null && !bias.equals("none")) {
            throw new FrostException(file + ": key 'bias' is '" + bias + "'; only 'none' is supported");
        }
        for (String flag : List.of("fan_in_fan_out", "use_dora", "lora_bias")) {
            if (k.bool(flag, false)) {
                throw new FrostException(file + ": key '" + flag + "' is true, which Frost does not support");
            }
        }
        for (String key : List.of("rank_pattern", "alpha_pattern", "layers_to_transform", "layer_replication")) {
            JsonNode v = o.get(key);
            if (v != null && !v.isNull() && !v.isEmpty()) {
                throw new FrostException(file + ": key '" + key + "' is set, which Frost does not support");
            }
        }
        try {
            return b.build();
        } catch (FrostException e) {
            throw new FrostException(file + ": " + e.getMessage(), e);
        }
    }

    /** Typed reads of config keys, each failure naming the key. */
    private record Keys(JsonNode o, Path file) {
        JsonNode require(String key) {
            JsonNode v = o.get(key);
            if (v == null) {
                throw new FrostException(file + " lacks key '" + key + "'");
            }
            return v;
        }

        private FrostException wrong(String key, String what, JsonNode v) {
            return new FrostException(file + ": key '" + key + "' must be " + what + ", got " + v);
        }

        int integer(String key) {
            JsonNode v = require(key);
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw wrong(key, "an integer", v);
            }
            return v.asInt();
        }

        double number(String key, Double dflt) {
            JsonNode v = dflt == null ? require(key) : o.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isNumber()) {
                throw wrong(key, "a number", v);
            }
            return v.asDouble();
        }

        boolean bool(String key, boolean dflt) {
            JsonNode v = o.get(key);
            if (v == null || v.isNull()) {
                return dflt;
            }
            if (!v.isBoolean()) {
                throw wrong(key, "true or false", v);
            }
            return v.asBoolean();
        }

        String text(String key, boolean required) {
            JsonNode v = required ? require(key) : o.get(key);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isTextual()) {
                throw wrong(key, "a string", v);
            }
            return v.asText();
        }

        List<String> strings(String key, JsonNode v) {
            if (!v.isArray()) {
                throw wrong(key, "a list of names or one regex string", v);
            }
            List<String> out = new ArrayList<>();
            for (JsonNode s : v) {
                if (!s.isTextual()) {
                    throw wrong(key, "a list of strings", v);
                }
                out.add(s.asText());
            }
            return out;
        }
    }
}
