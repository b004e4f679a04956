/**
 * Compression recipes and their techniques: int8 (dynamic and static) and fp16 weights, vocabulary
 * pruning, layer dropping with distillation, structured pruning.
 */
package dev.bonsai.engine.compress;
