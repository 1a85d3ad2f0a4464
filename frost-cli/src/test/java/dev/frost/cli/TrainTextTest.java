package dev.frost.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost train on JSON lines of texts with the real MiniLM encoder: frozen and cached, then evaluate and predict. */
class TrainTextTest {
    private static final String[] SPAM = {"win a free prize now", "cheap pills online today", "claim your cash reward",
        "limited offer click here", "you won a lottery jackpot", "free money guaranteed fast"};
    private static final String[] HAM = {"meeting moved to friday", "the build is green again",
        "lunch with the team tomorrow", "please review my pull request", "notes from the design call",
        "the report is attached"};

    static Path jsonl(Path dir, String name, int n, long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            boolean spam = i % 2 == 0;
            String[] pool = spam ? SPAM : HAM;
            String text = pool[r.nextInt(pool.length)] + " " + pool[r.nextInt(pool.length)];
            sb.append("{\"text\": \"").append(text).append("\", \"label\": \"").append(spam ? "spam" : "ham")
                    .append("\"}\n");
        }
        return Files.writeString(dir.resolve(name), sb.toString());
    }

    /** Runs a plain-Python reader of exported files (no third-party package); it prints "ok" when all holds. */
    static void pythonCheck(Path script, Path folder) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
            return;
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), folder.toString())
                .redirectErrorStream(true).start();
        String py = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), py);
        assertTrue(py.startsWith("ok"), py);
    }

    @Test
    void miniLmWithAFrozenCachedEncoderLearnsAndPredicts(@TempDir Path dir) throws Exception {
        Path train = jsonl(dir, "train.jsonl", 32, 1);
        Path test = jsonl(dir, "test.jsonl", 12, 2);
        Path run = dir.resolve("run");
        Path cfg = Files.writeString(dir.resolve("t.yaml"), "run: {dir: " + run + ", seed: 3}\n"
                + "data: {type: text, train: " + train + ", split: {valid: 0.25}, text: {seq_len: 16}}\n"
                + "model: {type: minilm}\n"
                + "strategy: {type: feature-extraction}\n"
                + "trainer: {epochs: 6, batch_size: 8, lr: 0.02, progress_bar: false}\n");
        CliRunner.Result r = CliRunner.run("train", cfg.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(Files.readString(run.resolve("report.html")).contains("<svg"));
        r = CliRunner.run("evaluate", run.toString(), "--data", test.toString());
        assertEquals(0, r.code(), r.err());
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*accuracy=([0-9.]+).*", "$1"));
        assertTrue(acc >= 0.75, "test accuracy " + acc);
        Path out = dir.resolve("pred.csv");
        r = CliRunner.run("predict", run.toString(), "--data", test.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> rows = Files.readAllLines(out);
        assertEquals(13, rows.size());
        assertTrue(rows.get(0).startsWith("id,prediction,p_ham,p_spam"), rows.get(0));
        // texts without labels predict the same (the labels are not read)
        Path unlabelled = dir.resolve("unlabelled.jsonl");
        Files.write(unlabelled, Files.readAllLines(test).stream()
                .map(l -> l.replaceAll(",\\s*\"label\"\\s*:\\s*\"[a-z]+\"", "")).toList());
        assertFalse(Files.readString(unlabelled).contains("\"label\""), "labels removed");
        Path out2 = dir.resolve("pred2.csv");
        r = CliRunner.run("predict", run.toString(), "--data", unlabelled.toString(), "--out", out2.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(rows, Files.readAllLines(out2));
        // export: a Frost checkpoint with its architecture, and Hugging Face files that a plain reader checks
        Path exported = dir.resolve("export");
        r = CliRunner.run("export", run.toString(), "--out", exported.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(exported.resolve("frost/architecture.yaml")));
        Path check = Files.writeString(dir.resolve("check.py"), String.join("\n",
                "import json, struct, sys",
                "d = sys.argv[1]",
                "raw = open(d + '/model.safetensors', 'rb').read()",
                "n = struct.unpack('<Q', raw[:8])[0]",
                "h = json.loads(raw[8:8 + n])",
                "cfg = json.load(open(d + '/config.json'))",
                "assert cfg['model_type'] == 'bert' and cfg['hidden_size'] == 384, cfg",
                "assert h['encoder.layer.5.output.LayerNorm.weight']['shape'] == [384]",
                "assert h['encoder.layer.0.attention.self.query.weight']['shape'] == [384, 384]",
                "assert h['embeddings.word_embeddings.weight']['shape'] == [30522, 384]",
                "assert h['classifier.weight']['shape'] == [2, 384]",
                "assert not any(k.startswith('layer') for k in h), [k for k in h if k.startswith('layer')]",
                "print('ok', len(h) - 1)", ""));
        pythonCheck(check, exported.resolve("huggingface"));
        assertTrue(Files.isRegularFile(exported.resolve("huggingface/tokenizer.json")), "the tokenizer travels too");
        // the exported Hugging Face files are a base for another run (model.type bert)
        Path run2 = dir.resolve("run2");
        Path hf = exported.resolve("huggingface");
        Path cfg2 = Files.writeString(dir.resolve("t2.yaml"), "run: {dir: " + run2 + ", seed: 4}\n"
                + "data: {type: text, train: " + train + ", split: {valid: 0.25}, text: {seq_len: 16}}\n"
                + "model: {type: bert, bert: {config: " + hf.resolve("config.json") + ", weights: "
                + hf.resolve("model.safetensors") + "}}\n"
                + "strategy: {type: feature-extraction}\n"
                + "trainer: {epochs: 4, batch_size: 8, lr: 0.02, progress_bar: false}\n");
        r = CliRunner.run("train", cfg2.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        r = CliRunner.run("evaluate", run2.toString(), "--data", test.toString());
        assertEquals(0, r.code(), r.err());
        double acc2 = Double.parseDouble(r.out().replaceAll("(?s).*accuracy=([0-9.]+).*", "$1"));
        assertTrue(acc2 >= 0.75, "test accuracy from the exported encoder " + acc2);
        // the run keeps its own copy of the BERT config: moving the original away changes nothing
        assertTrue(Files.readString(run2.resolve("config.yaml")).contains(run2.resolve("assets/bert-config.json")
                .toString()));
        Path moved = Files.move(hf.resolve("config.json"), dir.resolve("moved-config.json"));
        r = CliRunner.run("evaluate", run2.toString(), "--data", test.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(acc2, Double.parseDouble(r.out().replaceAll("(?s).*accuracy=([0-9.]+).*", "$1")));
        Files.move(moved, hf.resolve("config.json"));
        // weights of another model list what is missing and unexpected, in one line
        byte[] header = "{\"encoder.layer.0.attention.self.query.weight\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(8 + header.length + 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putLong(header.length).put(header).putFloat(1f);
        Path wrong = Files.write(dir.resolve("other.safetensors"), bb.array());
        Path cfg3 = Files.writeString(dir.resolve("t3.yaml"), Files.readString(cfg2)
                .replace(hf.resolve("model.safetensors").toString(), wrong.toString()).replace("run2", "run3"));
        r = CliRunner.run("train", cfg3.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("model.bert.weights") && r.err().contains("missing")
                && r.err().contains("unexpected"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        // model.dropout: Hugging Face's dropout trains (the exported encoder again, run4); out of range is refused
        Path cfg4 = Files.writeString(dir.resolve("t4.yaml"), Files.readString(cfg2).replace("run2", "run4")
                .replace("model: {type: bert,", "model: {type: bert, dropout: 0.1,"));
        r = CliRunner.run("train", cfg4.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        r = CliRunner.run("train", cfg2.toString(), "--set", "run.dir=" + dir.resolve("run5"), "--set",
                "model.dropout=1.5");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("model.dropout must be in [0, 1)"), r.err());
        // a label the training data never had is refused in one line
        Path odd = Files.writeString(dir.resolve("odd.jsonl"), "{\"text\": \"hello\", \"label\": \"phishing\"}\n");
        r = CliRunner.run("evaluate", run.toString(), "--data", odd.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("phishing"), r.err());
    }

    @Test
    void loraStrategyTrainsAdaptersOnlyAndExportsPeftAndMergedFiles(@TempDir Path dir) throws Exception {
        Path train = jsonl(dir, "train.jsonl", 32, 5);
        Path test = jsonl(dir, "test.jsonl", 12, 6);
        Path run = dir.resolve("run");
        Path cfg = Files.writeString(dir.resolve("l.yaml"), "run: {dir: " + run + ", seed: 3}\n"
                + "data: {type: text, train: " + train + ", split: {valid: 0.25}, text: {seq_len: 16}}\n"
                + "model: {type: minilm}\n"
                + "strategy: {type: lora, lora: {r: 4, alpha: 8}, cache: {enabled: false}}\n"
                + "trainer: {epochs: 4, batch_size: 8, lr: 0.01, progress_bar: false}\n");
        CliRunner.Result r = CliRunner.run("train", cfg.toString());
        assertEquals(0, r.code(), r.err() + r.out());
        r = CliRunner.run("evaluate", run.toString(), "--data", test.toString());
        assertEquals(0, r.code(), r.err());
        double acc = Double.parseDouble(r.out().replaceAll("(?s).*accuracy=([0-9.]+).*", "$1"));
        assertTrue(acc >= 0.75, "test accuracy " + acc);
        Path exported = dir.resolve("export");
        r = CliRunner.run("export", run.toString(), "--out", exported.toString());
        assertEquals(0, r.code(), r.err());
        Path check = Files.writeString(dir.resolve("check.py"), String.join("\n",
                "import json, struct, sys",
                "def header(f):",
                "    raw = open(f, 'rb').read()",
                "    n = struct.unpack('<Q', raw[:8])[0]",
                "    return json.loads(raw[8:8 + n])",
                "d = sys.argv[1]",
                "c = json.load(open(d + '/peft/adapter_config.json'))",
                "assert c['peft_type'] == 'LORA' and c['r'] == 4 and c['lora_alpha'] == 8, c",
                "assert sorted(c['target_modules']) == ['query', 'value'], c",
                "assert c['modules_to_save'] == ['classifier'] and c['task_type'] == 'SEQ_CLS', c",
                "a = header(d + '/peft/adapter_model.safetensors')",
                "assert a['base_model.model.encoder.layer.0.attention.self.query.lora_A.weight']['shape'] == [4, 384]",
                "assert a['base_model.model.encoder.layer.5.attention.self.value.lora_B.weight']['shape'] == [384, 4]",
                "assert not any('key' in k or 'dense' in k for k in a), list(a)",
                "h = header(d + '/huggingface/model.safetensors')",
                "assert h['encoder.layer.0.attention.self.query.weight']['shape'] == [384, 384]",
                "assert not any('lora' in k or 'base_layer' in k for k in h), [k for k in h if 'lora' in k]",
                "print('ok')", ""));
        pythonCheck(check, exported);
        // a target that matches no layer is one line naming the key
        Path bad = Files.writeString(dir.resolve("bad.yaml"), Files.readString(cfg).replace("alpha: 8}",
                "alpha: 8, target_modules: [qeury]}").replace(run.toString(), dir.resolve("run-bad").toString()));
        r = CliRunner.run("train", bad.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.err().contains("strategy.lora") && r.err().contains("qeury"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
