package dev.bonsai.model;

/** Fired when what a model serves changed (its recommended variant), so caches read it again. */
public record ModelChanged(String modelId) {
}
