/**
 * Freezing is four independent switches, one sub-package each:
 * <ol>
 *   <li>{@code grad}: a frozen leading run of layers is executed without autograd; a frozen layer above a trainable
 *       one passes input gradients down but computes no weight gradient;</li>
 *   <li>{@code optim}: frozen parameters get no update of any kind and own no optimizer state;</li>
 *   <li>{@code norm}: BatchNorm in frozen layers keeps its running statistics unless {@code trainBn};</li>
 *   <li>{@code cache}: the frozen prefix's output is computed once and reused.</li>
 * </ol>
 */
package dev.frost.freeze;
