/**
 * Transfer learning: cut a trained model at a layer or group and put a new head on it
 * ({@link dev.frost.transfer.TransferLearning}), then train it in one call ({@link dev.frost.transfer.FineTune}).
 */
package dev.frost.transfer;
