package dev.bonsai.blob;

/**
 * Something that names blobs (datasets' files, batches' inputs and outputs). Blobs are addressed
 * by content, so two kinds of resource can hold the same bytes; one is deleted only when no holder
 * still names it.
 */
public interface BlobHolder {

    /** Whether a resource of this kind still names these bytes; in the caller's transaction. */
    boolean holds(String sha256);
}
