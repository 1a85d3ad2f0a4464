/** Switch 3, normalization: frozen BatchNorm keeps its statistics (Keras), or stays live with trainBn (fastai). */
package dev.frost.freeze.norm;
