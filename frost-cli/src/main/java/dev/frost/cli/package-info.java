/** The {@code frost} command line (picocli): thin commands over the library. */
package dev.frost.cli;
