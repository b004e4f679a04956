/**
 * ONNX Runtime: sessions that embed texts and run classifiers, pooling, and what a graph costs to
 * run (memory, and the browser runtime's own measurement).
 */
package dev.bonsai.engine.runtime;
