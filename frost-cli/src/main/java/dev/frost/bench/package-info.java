/**
 * Benchmarks that print ratios measured side by side in one run (medians over interleaved repeats): frozen step vs
 * its ideal, frozen vs full, and Frost vs a PyTorch peer doing the same work.
 */
package dev.frost.bench;
