/**
 * ImageNet backbones from PyTorch: torchvision's ResNet-18/34/50 built with torchvision's layer names
 * ({@link dev.frost.vision.TorchvisionResNet}) and loaded from a state dict saved as safetensors
 * ({@link dev.frost.vision.TorchvisionWeights}).
 */
package dev.frost.vision;
