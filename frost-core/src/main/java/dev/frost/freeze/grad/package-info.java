/** Switch 1, gradients: which parameters require a gradient, and the frozen prefix that runs without autograd. */
package dev.frost.freeze.grad;
