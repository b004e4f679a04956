/** ONNX graphs: a classifier's graph split into encoder and head and put together again, and transformer weights read from it. */
package dev.bonsai.engine.graph;
