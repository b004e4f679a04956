/**
 * The machine-learning engine, plain Java with no framework: the base models ({@link
 * dev.bonsai.engine.BaseModel}), and in rooms by stage of the pipeline: {@code text} (tokenizing),
 * {@code runtime} (ONNX Runtime sessions that embed and classify), {@code train} (heads and encoders
 * trained with DJL), {@code graph} (reading and writing ONNX graphs), {@code compress} (quantization,
 * pruning, layer dropping with distillation) and {@code evaluate} (metrics and measurement).
 */
package dev.bonsai.engine;
