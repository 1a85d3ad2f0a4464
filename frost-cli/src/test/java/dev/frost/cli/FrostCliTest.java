package dev.frost.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrostCliTest {
    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int code = FrostCli.execute(args);
            return new String[] {String.valueOf(code), o.toString(StandardCharsets.UTF_8),
                    e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void summaryPrintsTheTableWithFrozenLayers() {
        String[] r = run("summary", "--model", "mlp", "--freeze-to", "-1");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("N (frozen)") && r[1].contains("Trainable params: 10,250"), r[1]);
    }

    @Test
    void badOptionsGiveOneLineErrors() {
        String[] r = run("summary", "--freeze-to", "9");
        assertEquals("1", r[0]);
        assertEquals(1, r[2].strip().lines().count(), r[2]);
        assertTrue(r[2].contains("freezeTo(9) is out of range"), r[2]);
        r = run("bench", "nope");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("unknown benchmark 'nope'"), r[2]);
    }
}
