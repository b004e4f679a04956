/**
 * Training: softmax heads on frozen embeddings, and encoders fine-tuned (or distilled) with DJL
 * on PyTorch, with epoch selection and checkpoints between epochs.
 */
package dev.bonsai.engine.train;
