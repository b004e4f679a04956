/** Evaluation: classification metrics, and a variant's accuracy, latency, size and memory measured. */
package dev.bonsai.engine.evaluate;
