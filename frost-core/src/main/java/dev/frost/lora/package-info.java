/**
 * LoRA adapters on Frost's freezing machinery ({@link dev.frost.lora.LoraModel}): targeted Linear layers become
 * {@link dev.frost.layers.LoraLinear} composites, the base is frozen by the ordinary switches (so the layers below the
 * first adapter form a cacheable frozen prefix), and adapters are saved and loaded in Hugging Face PEFT's format.
 */
package dev.frost.lora;
