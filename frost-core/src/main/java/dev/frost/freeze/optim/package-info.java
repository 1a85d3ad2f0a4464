/**
 * Switch 2, the optimizer: parameter groups with learning-rate multipliers; frozen parameters are not in any group,
 * get no update of any kind (no momentum drift, no weight decay) and own no state. Unfrozen, they start fresh.
 */
package dev.frost.freeze.optim;
