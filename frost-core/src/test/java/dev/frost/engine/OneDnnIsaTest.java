package dev.frost.engine;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who is told to cap oneDNN at SSE4.1: AMD with AVX-512 and no cap set; nobody else. */
class OneDnnIsaTest {
    private static String cpu(String vendor, String flags) {
        return "processor\t: 0\nvendor_id\t: " + vendor + "\nmodel name\t: some cpu\nflags\t\t: fpu sse2 " + flags
                + " popcnt\n\nprocessor\t: 1\nvendor_id\t: " + vendor + "\n";
    }

    @Test
    void onlyAnAmdCpuWithAvx512AndNoCapIsAdvised() {
        String amd512 = cpu("AuthenticAMD", "avx2 avx512f avx512bw");
        assertTrue(OneDnnIsa.advice(amd512, Map.of()).orElseThrow().contains("ONEDNN_MAX_CPU_ISA=SSE41"));
        assertTrue(OneDnnIsa.advice(amd512, Map.of("ONEDNN_MAX_CPU_ISA", " ")).isPresent(), "a blank cap is none");
        assertEquals(java.util.Optional.empty(), OneDnnIsa.advice(amd512, Map.of("ONEDNN_MAX_CPU_ISA", "AVX2")));
        assertEquals(java.util.Optional.empty(), OneDnnIsa.advice(amd512, Map.of("DNNL_MAX_CPU_ISA", "AVX512_CORE")),
                "a cap the user chose is theirs");
        assertEquals(java.util.Optional.empty(), OneDnnIsa.advice(cpu("AuthenticAMD", "avx2 avx512fp16"), Map.of()),
                "a flag that only starts with avx512 is not AVX-512 F");
        assertEquals(java.util.Optional.empty(), OneDnnIsa.advice(cpu("AuthenticAMD", "avx2"), Map.of()));
        assertEquals(java.util.Optional.empty(), OneDnnIsa.advice(cpu("GenuineIntel", "avx2 avx512f"), Map.of()));
        assertEquals(java.util.Optional.empty(), OneDnnIsa.advice("", Map.of()));
    }
}
