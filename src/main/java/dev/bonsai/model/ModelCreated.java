package dev.bonsai.model;

/** Fired after a model is committed, so that serving can warm it up before its first request. */
public record ModelCreated(String tenantId, String modelId) {
}
