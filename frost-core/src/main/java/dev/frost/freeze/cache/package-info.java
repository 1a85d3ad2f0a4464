/**
 * Switch 4, the activation cache: the output of a frozen prefix is the same every epoch, so it can be computed once.
 * The trainer obtains the prefix output in one place ({@code Trainer.prefixOutput}), which is where the cache plugs in.
 */
package dev.frost.freeze.cache;
