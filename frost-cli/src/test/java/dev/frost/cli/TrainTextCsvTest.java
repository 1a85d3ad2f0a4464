package dev.frost.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** frost train on texts from a CSV file with the real MiniLM encoder (data.type text, a .csv train file). */
class TrainTextCsvTest {
    private static final String[] SPAM = {"win a free prize now", "cheap pills online", "claim your cash reward",
        "limited offer, click here", "you won a lottery jackpot"};
    private static final String[] HAM = {"meeting moved to friday", "the build is green again",
        "lunch with the team tomorrow", "please review my pull request", "notes from the design call"};

    /** The same texts as CSV: quoted fields with commas, quotes and line breaks, columns named by the config. */
    @Test
    void csvTextsWithQuotedFieldsTrainAndEvaluate(@TempDir Path dir) throws Exception {
        Random r = new Random(5);
        StringBuilder sb = new StringBuilder("id,body,kind\n");
        for (int i = 0; i < 24; i++) {
            boolean spam = i % 2 == 0;
            String[] pool = spam ? SPAM : HAM;
            String text = pool[r.nextInt(pool.length)] + ", \"" + pool[r.nextInt(pool.length)] + "\"\nthanks";
            sb.append(i).append(",\"").append(text.replace("\"", "\"\"")).append("\",").append(spam ? "spam" : "ham")
                    .append('\n');
        }
        Path train = Files.writeString(dir.resolve("train.csv"), sb.toString());
        Path run = dir.resolve("run");
        String cfg = "run: {dir: " + run + ", seed: 3}\n"
                + "data: {type: text, train: " + train + ", split: {valid: 0.25},"
                + " text: {seq_len: 24, text_field: body, label_field: kind}}\n"
                + "model: {type: minilm}\n"
                + "strategy: {type: feature-extraction}\n"
                + "trainer: {epochs: 2, batch_size: 8, lr: 0.02, progress_bar: false}\n";
        long t0 = System.nanoTime();
        CliRunner.Result res = CliRunner.run("train", Files.writeString(dir.resolve("c.yaml"), cfg).toString());
        System.out.printf("text csv train: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        assertEquals(0, res.code(), res.err() + res.out());
        String state = Files.readString(run.resolve("state.json"));
        assertTrue(state.matches("(?s).*\"classNames\" : \\[ \"ham\", \"spam\" \\].*"), state);
        // 24 rows, not the 48 physical lines: a quoted line break stays inside its text
        res = CliRunner.run("evaluate", run.toString(), "--data", train.toString());
        assertEquals(0, res.code(), res.err());
        assertTrue(res.out().contains("examples=24,"), res.out());

        Path other = Files.writeString(dir.resolve("other.csv"), "id,text,label\n1,hello,ham\n");
        res = CliRunner.run("train", Files.writeString(dir.resolve("o.yaml"), cfg.replace(train.toString(),
                other.toString()).replace(run.toString(), dir.resolve("run2").toString())).toString());
        assertEquals(1, res.code(), res.out());
        assertTrue(res.err().contains("data.train: " + other + " has no column 'body' (its header: id, text, label)"),
                res.err());
    }
}
