package dev.frost.cli.train;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.frost.FrostException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a config (YAML, or JSON by its {@code .json} extension) into a {@link RunSpec}. The user's file is first read
 * on its own, so an unknown key or a wrong type is reported with the file's line; it is then merged over the
 * defaults and the {@code --set key=value} overrides, so every key has a value. Every error is one line.
 */
public final class ConfigLoader {
    private static final ObjectMapper YAML = configure(YAMLMapper.builder(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)).build());
    private static final ObjectMapper JSON = configure(JsonMapper.builder().build());

    /** The merged tree (what is written as the run's resolved config) and its records. */
    public record Loaded(ObjectNode tree, RunSpec spec) {}

    private ConfigLoader() {}

    @SuppressWarnings("deprecation")
    private static ObjectMapper configure(ObjectMapper m) {
        m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // the last would win
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        m.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        m.coercionConfigDefaults().setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        return m;
    }

    /** The defaults, with comments: what {@code frost init} writes and what every missing key takes. */
    public static String defaultsText() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/frost/train-defaults.yaml")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new FrostException("the built-in config defaults are missing from the classpath", e);
        }
    }

    /** Reads {@code file}, merges it over the defaults, applies {@code sets} ({@code a.b.c=value}). */
    public static Loaded load(Path file, List<String> sets) {
        if (!Files.isRegularFile(file)) {
            throw new FrostException("config " + file + " is not a readable file");
        }
        ObjectMapper m = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json")
                ? JSON : YAML;
        JsonNode user;
        try {
            byte[] bytes = Files.readAllBytes(file);
            user = m.readTree(bytes);
            if (user == null || user.isMissingNode() || user instanceof NullNode) {
                throw new FrostException("config " + file + " is empty");
            }
            if (!user.isObject()) {
                throw new FrostException("config " + file + " must be a map of sections (run, data, model,"
                        + " strategy, trainer)");
            }
            m.readValue(bytes, RunSpec.class); // unknown keys and wrong types, with the file's line
        } catch (JsonProcessingException e) {
            throw new FrostException(describe(file.toString(), e, readQuietly(file)), e);
        } catch (IOException e) {
            throw new FrostException("cannot read config " + file + ": " + e.getMessage(), e);
        }
        ObjectNode tree = defaults();
        merge(tree, user);
        for (String s : sets) {
            applySet(tree, s);
        }
        return new Loaded(tree, toSpec(tree, sets.isEmpty() ? "config " + file : "config " + file + " with --set "
                + String.join(" ", sets)));
    }

    /** Re-reads a merged tree (after the caller changed it) as records. */
    public static RunSpec toSpec(ObjectNode tree, String where) {
        try {
            return YAML.treeToValue(tree, RunSpec.class);
        } catch (JsonProcessingException e) {
            throw new FrostException(describe(where, e, null), e);
        }
    }

    static ObjectNode defaults() {
        try {
            return (ObjectNode) YAML.readTree(defaultsText());
        } catch (IOException e) {
            throw new FrostException("the built-in config defaults do not parse: " + e.getMessage(), e);
        }
    }

    /** The tree as YAML text (the run's resolved config). */
    public static String toYaml(JsonNode tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new FrostException("cannot write the config as YAML: " + e.getMessage(), e);
        }
    }

    /** Merges {@code from} over {@code into}; a key given no value ({@code epochs:} or {@code ~}) keeps the default. */
    private static void merge(ObjectNode into, JsonNode from) {
        Iterator<Map.Entry<String, JsonNode>> it = from.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                continue;
            }
            JsonNode old = into.get(e.getKey());
            if (old instanceof ObjectNode o && e.getValue().isObject()) {
                merge(o, e.getValue());
            } else {
                into.set(e.getKey(), e.getValue());
            }
        }
    }

    private static void applySet(ObjectNode tree, String set) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new FrostException("--set " + set + ": expected KEY=VALUE, e.g. trainer.epochs=5");
        }
        String key = set.substring(0, eq).strip();
        String text = set.substring(eq + 1);
        JsonNode value;
        try {
            value = text.isBlank() ? NullNode.getInstance() : YAML.readTree(text);
        } catch (IOException e) {
            throw new FrostException("--set " + key + ": value '" + text + "' is not a YAML value");
        }
        String[] parts = key.split("\\.");
        ObjectNode at = tree;
        JsonNode defaultsAt = defaults();
        for (int i = 0; i < parts.length; i++) {
            boolean known = defaultsAt != null && defaultsAt.has(parts[i]);
            boolean freeMap = defaultsAt != null && defaultsAt.isObject() && defaultsAt.isEmpty() && i > 0;
            if (!known && !freeMap) {
                throw new FrostException("--set " + key + ": unknown key '" + String.join(".",
                        java.util.Arrays.copyOf(parts, i + 1)) + "'" + knownKeys(defaultsAt));
            }
            defaultsAt = defaultsAt == null ? null : defaultsAt.get(parts[i]);
            if (i == parts.length - 1) {
                if (value == null || value.isNull()) { // no value: the key's default, as in a file
                    at.set(parts[i], defaultsAt == null ? NullNode.getInstance() : defaultsAt.deepCopy());
                } else if (value.isObject() && at.get(parts[i]) instanceof ObjectNode section) {
                    merge(section, value); // a section given whole keeps the keys it does not name
                } else {
                    at.set(parts[i], value);
                }
            } else {
                JsonNode next = at.get(parts[i]);
                if (!(next instanceof ObjectNode)) {
                    next = at.putObject(parts[i]);
                }
                at = (ObjectNode) next;
            }
        }
    }

    private static String knownKeys(JsonNode section) {
        if (section == null || !section.isObject()) {
            return "";
        }
        List<String> names = new java.util.ArrayList<>();
        section.fieldNames().forEachRemaining(names::add);
        return " (known: " + String.join(", ", names) + ")";
    }

    /** One line: where (file and line), which key, what was wrong. */
    static String describe(String where, JsonProcessingException e, String text) {
        JsonLocation loc = e.getLocation();
        int line = loc != null && loc.getLineNr() > 0 ? loc.getLineNr() : -1;
        if (line > 0 && text != null && e instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
            line = keyLine(text, line, jm.getPath().get(jm.getPath().size() - 1).getFieldName());
        }
        String at = where + (line > 0 ? " line " + line : "");
        if (e instanceof UnrecognizedPropertyException u) {
            String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream()
                    .map(String::valueOf).sorted().collect(Collectors.joining(", "));
            return at + ": unknown key '" + path(u) + "'" + (known.isEmpty() ? "" : " (known: " + known + ")");
        }
        if (e instanceof JsonMappingException jm && !jm.getPath().isEmpty()) {
            Class<?> type = jm instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mi
                    ? mi.getTargetType() : null;
            String got = jm instanceof InvalidFormatException f ? ", got '" + f.getValue() + "'" : "";
            return at + ": wrong type for '" + path(jm) + "': expected " + expected(type) + got;
        }
        String msg = String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse("");
        return at + ": not valid " + (where.endsWith(".json") ? "JSON" : "YAML") + ": "
                + (msg.length() > 160 ? msg.substring(0, 160) + "..." : msg);
    }

    /**
     * The line of {@code key} at or before {@code reported}: YAML's parser reports where the offending value ends
     * (often the next line); the user wants the key's own line.
     */
    private static int keyLine(String text, int reported, String key) {
        if (key == null) {
            return reported;
        }
        String[] lines = text.split("\n", -1);
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("(^|[\\s{,\"])" + java.util.regex.Pattern
                .quote(key) + "\"?\\s*:");
        for (int i = Math.min(reported, lines.length); i >= 1; i--) {
            if (p.matcher(lines[i - 1]).find()) {
                return i;
            }
        }
        return reported;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "a section of key: value lines";
        }
        return type.getSimpleName();
    }
}
