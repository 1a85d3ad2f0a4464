/**
 * Checkpoints: weights and optimizer state in safetensors (readable by PyTorch and Hugging Face tools) plus a JSON
 * manifest with the freeze state, progress, schedule and RNG position. Files are written atomically and checked by
 * SHA-256 on load.
 */
package dev.frost.io;
