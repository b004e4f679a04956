package dev.bonsai.platform;

import java.util.List;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** What every multipart upload checks of its one file part. */
public final class Uploads {

    private Uploads() {
    }

    /**
     * The one part named {@code file}: none, or several (which one was meant? taking the first would
     * store what the caller may not have wanted), is a 422 pointing at {@code /file}.
     *
     * @param what what the file holds, for the problem ("the dataset", "the texts")
     */
    public static FileUpload single(FileUpload file, List<FileUpload> all, String what) {
        if (file == null) {
            throw ProblemException.invalidField("/file", "Attach " + what + " as the form field 'file'.");
        }
        long parts = all == null ? 1 : all.stream().filter(upload -> "file".equals(upload.name())).count();
        if (parts > 1) {
            throw ProblemException.invalidField("/file", "Send one file per upload; this one has " + parts
                    + " parts named 'file'.");
        }
        return file;
    }

    /** A setting sent both in the query and as a form field: the query's value wins when it has one. */
    public static String first(String query, String formField) {
        return query != null && !query.isBlank() ? query : formField;
    }
}
