package dev.bonsai.model;

import java.util.List;

/** Fired after a model and its variants are deleted, so caches can let go of them. */
public record ModelDeleted(String modelId, List<String> variantIds) {
}
