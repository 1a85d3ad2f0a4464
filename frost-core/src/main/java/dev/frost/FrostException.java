package dev.frost;

/**
 * The one exception type users see from Frost. Its message is a single line that names the problem (file, shape,
 * layer, option) and, where there is one, the fix.
 */
public class FrostException extends RuntimeException {
    public FrostException(String message) {
        super(message);
    }

    public FrostException(String message, Throwable cause) {
        super(message, cause);
    }
}
