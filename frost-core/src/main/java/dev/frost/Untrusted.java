package dev.frost;

/**
 * Helpers for error messages about untrusted input: a name taken from a file is quoted printable and clipped, and a
 * parser's message is cut to its first line, so that every {@link dev.frost.FrostException} stays one short line.
 */
public final class Untrusted {
    /** Most characters of a name from a file that a message shows. */
    public static final int NAME_CHARS = 60;

    private Untrusted() {}

    /** {@code 'name'}, with control characters escaped and at most {@link #NAME_CHARS} characters shown. */
    public static String quote(String s) {
        return "'" + printable(s, NAME_CHARS) + "'";
    }

    /** {@code s} without line breaks or control characters, cut to {@code max} characters (then "..."). */
    public static String printable(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 3);
        for (int i = 0; i < s.length(); i++) {
            if (sb.length() >= max) {
                return sb.append("...").toString();
            }
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The first line of a parser's message, clipped to 120 characters, or the exception's simple class name when it
     * has no message.
     */
    public static String reason(Throwable t) {
        if (t instanceof java.nio.charset.CharacterCodingException) { // "Input length = 1" says nothing to a user
            return "it is not UTF-8 text (save it as UTF-8)";
        }
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) {
            return t.getClass().getSimpleName();
        }
        int nl = msg.indexOf('\n');
        int cr = msg.indexOf('\r');
        int end = nl < 0 ? cr : cr < 0 ? nl : Math.min(nl, cr);
        return printable((end < 0 ? msg : msg.substring(0, end)).strip(), 120);
    }
}
