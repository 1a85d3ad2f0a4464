/**
 * Reading ONNX files (the initializers and the graph's node list) with protobuf-java's wire reader, and importing
 * named weights into Frost models.
 */
package dev.frost.text.onnx;
