package dev.frost.charts;

import java.util.List;
import java.util.Locale;

/** Hand-built SVG charts (no script, no network): the run report's curves and the benchmarks' plots. */
public final class SvgChart {
    /** One line: its name, colour, and points (NaN values leave a gap; a point alone is drawn as a dot). */
    public record Series(String name, String color, double[] x, double[] y) {}

    private static final int W = 560;
    private static final int H = 260;
    private static final int L = 60;
    private static final int R = 16;
    private static final int T = 28;
    private static final int B = 44;

    private SvgChart() {}

    public static String lines(String title, String xLabel, List<Series> series) {
        double x0 = Double.POSITIVE_INFINITY;
        double x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY;
        double y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    x0 = Math.min(x0, s.x()[i]);
                    x1 = Math.max(x1, s.x()[i]);
                    y0 = Math.min(y0, s.y()[i]);
                    y1 = Math.max(y1, s.y()[i]);
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", W, H, W, H, esc(title)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>",
                L, esc(title)));
        if (x0 > x1) {
            return sb.append("<text x=\"60\" y=\"120\">no data</text></svg>").toString();
        }
        if (x1 == x0) {
            x1 = x0 + 1;
        }
        if (y1 == y0) {
            y1 = y0 + Math.max(1e-9, Math.abs(y0) * 0.1);
            y0 = y0 - Math.max(1e-9, Math.abs(y0) * 0.1);
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\""
                + " stroke=\"#999\"/>", L, T, W - L - R, H - T - B));
        for (int k = 0; k <= 4; k++) {
            double v = y0 + (y1 - y0) * k / 4;
            double py = py(v, y0, y1);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>", L, W - R, py, py,
                    L - 4, py + 3, tick(v, (y1 - y0) / 4)));
            double xv = x0 + (x1 - x0) * k / 4;
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s"
                    + "</text>", px(xv, x0, x1), H - B + 14, tick(xv, (x1 - x0) / 4)));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                (L + W - R) / 2, H - 8, esc(xLabel)));
        int lx = L + 8;
        int ly = T + 8;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i <= s.x().length; i++) {
                boolean ok = i < s.x().length && Double.isFinite(s.y()[i]);
                if (ok) {
                    pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(s.x()[i], x0, x1), py(s.y()[i], y0, y1)));
                } else if (pts.length() > 0) {
                    sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(s.color())
                            .append("\" points=\"").append(pts.toString().strip()).append("\"/>");
                    if (pts.toString().strip().split(" ").length == 1) {
                        String[] xy = pts.toString().strip().split(",");
                        sb.append("<circle r=\"3\" fill=\"").append(s.color()).append("\" cx=\"").append(xy[0])
                                .append("\" cy=\"").append(xy[1]).append("\"/>");
                    }
                    pts.setLength(0);
                }
            }
            int width = 24 + 7 * s.name().length();
            if (lx > L + 8 && lx + width > W - R) { // the legend wraps instead of running off the chart
                lx = L + 8;
                ly += 14;
            }
            sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>", lx, ly, s.color(), lx + 16, ly + 4,
                    esc(s.name())));
            lx += width;
        }
        return sb.append("</svg>").toString();
    }

    /** An axis label with as many decimals as the tick spacing needs, so neighbouring ticks never read the same. */
    static String tick(double v, double step) {
        if (!(step > 0) || step >= 1 || Math.abs(v) >= 1e5) {
            return num(v);
        }
        int decimals = Math.min(6, (int) Math.ceil(-Math.log10(step)));
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Which groups were frozen at each step: one row per group, a filled bar where it was frozen. */
    public static String timeline(List<String> groups, List<double[]> frozenSpans, List<Integer> spanGroup, long steps,
                           List<Long> phaseStarts) {
        int rowH = 22;
        int h = T + groups.size() * rowH + B;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "<svg"
                + " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"freeze timeline\">"
                + "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">Freeze timeline (blue: frozen)</text>",
                W, h, W, h, L));
        double x1 = Math.max(1, steps);
        for (int g = 0; g < groups.size(); g++) {
            int y = T + g * rowH;
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s"
                    + "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#eef5e9\" stroke=\"#bbb\"/>",
                    L - 4, y + 15, esc(groups.get(g)), L, y + 3, W - L - R, rowH - 6));
        }
        for (int i = 0; i < frozenSpans.size(); i++) {
            double[] s = frozenSpans.get(i);
            double a = px(s[0], 0, x1);
            double b = px(s[1], 0, x1);
            int y = T + spanGroup.get(i) * rowH;
            sb.append(String.format(Locale.ROOT, "<rect class=\"frozen\" x=\"%.1f\" y=\"%d\" width=\"%.1f\""
                    + " height=\"%d\" fill=\"#4a78c2\"/>", a, y + 3, Math.max(0.5, b - a), rowH - 6));
        }
        for (long p : phaseStarts) {
            double x = px(p, 0, x1);
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#c33\""
                    + " stroke-dasharray=\"4 3\"/>", x, x, T, T + groups.size() * rowH));
        }
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"10\">0</text><text x=\"%d\" y=\"%d\""
                + " font-size=\"10\" text-anchor=\"end\">%d steps (red: phase start)</text>", L, h - B + 14, W - R,
                h - B + 14, steps));
        return sb.append("</svg>").toString();
    }

    private static double px(double x, double x0, double x1) {
        return L + (x - x0) / (x1 - x0) * (W - L - R);
    }

    private static double py(double y, double y0, double y1) {
        return H - B - (y - y0) / (y1 - y0) * (H - T - B);
    }

    private static String num(double v) {
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e5) ? String.format(Locale.ROOT, "%.2e", v)
                : String.format(Locale.ROOT, a >= 100 ? "%.0f" : "%.3g", v);
    }

    public static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
