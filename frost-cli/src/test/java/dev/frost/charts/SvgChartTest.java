package dev.frost.charts;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Charts stay readable: distinct tick labels on narrow ranges, a legend that wraps inside the chart. */
class SvgChartTest {
    @Test
    void narrowRangesGetDistinctTicksAndALongLegendWraps() {
        List<SvgChart.Series> series = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            series.add(new SvgChart.Series("a policy with a long name " + i, "#000",
                    new double[] {224 + 30 * i}, new double[] {91.57 + 0.04 * i}));
        }
        String svg = SvgChart.lines("accuracy vs time", "train time (s)", series);
        Matcher m = Pattern.compile("text-anchor=\"end\">([^<]+)</text>").matcher(svg);
        Set<String> labels = new HashSet<>();
        int n = 0;
        while (m.find()) {
            labels.add(m.group(1));
            n++;
        }
        assertEquals(5, n);
        assertEquals(5, labels.size(), "y ticks of a 0.2-point range read differently: " + labels);
        Matcher legend = Pattern.compile("<rect x=\"(\\d+)\" y=\"(\\d+)\" width=\"12\"").matcher(svg);
        Set<String> rows = new HashSet<>();
        while (legend.find()) {
            assertTrue(Integer.parseInt(legend.group(1)) < 560, "legend inside the chart");
            rows.add(legend.group(2));
        }
        assertTrue(rows.size() > 1, "the legend wrapped onto more rows");
        assertEquals("91.6", SvgChart.tick(91.57, 2), "wide steps keep the short form");
    }
}
