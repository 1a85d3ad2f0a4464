/**
 * Datasets with stable example indices (the activation cache keys on them) and seeded epoch orders: in memory
 * ({@link dev.frost.data.ArrayDataset}, {@link dev.frost.data.CsvDataset}), memory-mapped files larger than the heap
 * ({@link dev.frost.data.MappedDataset}), image class folders read lazily ({@link dev.frost.data.ImageFolderDataset}),
 * and DJL datasets ({@link dev.frost.data.DjlDatasets}). File-backed sets remember their content fingerprints beside
 * the data ({@link dev.frost.data.Fingerprints}).
 */
package dev.frost.data;
