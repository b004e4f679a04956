package dev.bonsai.platform;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Bonsai's own settings; each one is listed with its environment variable in the README. */
@ConfigMapping(prefix = "bonsai")
public interface BonsaiConfig {

    /** The operator's key ({@code BONSAI_ADMIN_KEY}); generated on first start when unset. */
    Optional<String> adminKey();

    /** What this process does ({@code BONSAI_ROLE}): serve the API, run jobs, or both. */
    @WithDefault("all")
    Role role();

    enum Role {
        /** Serves the API and the dashboard, and queues jobs for workers; never trains. */
        API,
        /** Runs jobs; serves only health and metrics. */
        WORKER,
        /** Both: the embedded default. */
        ALL;

        public boolean servesApi() {
            return this != WORKER;
        }

        public boolean runsJobs() {
            return this != API;
        }
    }

    Database database();

    Blobs blobs();

    Datasets datasets();

    Log log();

    Jobs jobs();

    Engine engine();

    Inference inference();

    Http http();

    Batches batches();

    Webhooks webhooks();

    interface Webhooks {
        /**
         * The operator's key that seals endpoints' signing secrets in the database
         * ({@code BONSAI_WEBHOOKS_SECRET_KEY}, at least 32 characters, e.g. {@code openssl rand -base64 32});
         * every replica needs the same one. Unset: one is generated into {@link #keyFile()}.
         */
        Optional<String> secretKey();

        /**
         * Where the generated key is kept when none is set ({@code BONSAI_WEBHOOKS_KEY_FILE}); unset,
         * {@code webhook-secret.key} beside the embedded database's folder ({@code ./data/}).
         */
        Optional<Path> keyFile();

        /**
         * Whether endpoints may be on loopback, private, link-local or other non-public addresses
         * ({@code BONSAI_WEBHOOKS_ALLOW_PRIVATE_TARGETS}); off, so that tenants cannot reach the
         * service's own network.
         */
        @WithDefault("false")
        boolean allowPrivateTargets();

        /** How long one attempt may take, connecting included ({@code BONSAI_WEBHOOKS_TIMEOUT}). */
        @WithDefault("PT10S")
        java.time.Duration timeout();

        /** Deliveries one replica makes at once ({@code BONSAI_WEBHOOKS_CONCURRENCY}). */
        @WithDefault("4")
        int concurrency();

        /** The wait after a first failed attempt; each next wait is four times longer ({@code BONSAI_WEBHOOKS_FIRST_RETRY}). */
        @WithDefault("PT10S")
        java.time.Duration firstRetry();

        /** The longest wait between two attempts ({@code BONSAI_WEBHOOKS_MAX_RETRY_DELAY}). */
        @WithDefault("PT6H")
        java.time.Duration maxRetryDelay();

        /** How long after its event a delivery is tried before it is given up ({@code BONSAI_WEBHOOKS_RETRY_WINDOW}). */
        @WithDefault("P1D")
        java.time.Duration retryWindow();

        /** Endpoints one tenant may have ({@code BONSAI_WEBHOOKS_MAX_ENDPOINTS}). */
        @WithDefault("20")
        int maxEndpoints();

        /** How long deliveries stay in an endpoint's log ({@code BONSAI_WEBHOOKS_LOG_RETENTION}). */
        @WithDefault("P30D")
        java.time.Duration logRetention();
    }

    interface Batches {
        /** Most rows one batch file may hold ({@code BONSAI_BATCH_MAX_ROWS}). */
        @WithDefault("1000000")
        int maxRows();

        /** Rows whose output is stored together; a resumed batch goes on after the last stored chunk ({@code BONSAI_BATCH_CHUNK_ROWS}). */
        @WithDefault("10000")
        int chunkRows();

        /** How long a finished batch's input and output are kept ({@code BONSAI_BATCH_RETENTION}). */
        @WithDefault("P7D")
        java.time.Duration retention();
    }

    interface Http {
        /** Time every request body has, whatever its size ({@code BONSAI_HTTP_BODY_GRACE}). */
        @WithDefault("10s")
        java.time.Duration bodyGrace();

        /** The slowest rate a body may arrive at beyond its grace, per second ({@code BONSAI_HTTP_MIN_BODY_RATE}). */
        @WithDefault("16K")
        MemorySize minBodyRate();
    }

    interface Inference {
        /** Model bytes kept loaded for predictions; least recently used variants are closed beyond it. */
        @WithDefault("2G")
        MemorySize cacheBudget();

        /** Most texts in one prediction request. */
        @WithDefault("256")
        int maxInputs();

        /** Longest text in a prediction request, in characters. */
        @WithDefault("32768")
        int maxInputLength();

        /** Sustained prediction requests per second per tenant, unless the tenant has its own limit. */
        @WithDefault("50")
        double requestsPerSecond();

        /** Prediction requests a tenant may make at once beyond the sustained rate. */
        @WithDefault("100")
        int burst();

        /**
         * Prediction requests one variant's session runs or holds waiting at once; more are refused
         * with 503 and Retry-After so a flood cannot queue without bound.
         */
        @WithDefault("64")
        int maxQueuedPerVariant();

        /**
         * Prediction requests waiting for the shared encoder of one base model (head-method models
         * of every tenant); more are refused with 503 and Retry-After.
         */
        @WithDefault("256")
        int maxQueuedPerEncoder();

        /**
         * Prediction requests this server holds at once, counted where they arrive (waiting for a
         * worker thread included); more are refused with 503 and Retry-After ({@link
         * dev.bonsai.inference.InferenceAdmission}).
         */
        @WithDefault("512")
        int maxInFlight();

        /** Load a new model's session (or its head and shared encoder) as soon as it is created. */
        @WithDefault("true")
        boolean warmOnCreate();

        /**
         * Models (the most recently created, with the variant each serves by default) a starting
         * API replica loads before it reports ready ({@code BONSAI_INFERENCE_WARM_AT_START}); 0 for none.
         */
        @WithDefault("20")
        int warmAtStart();

        /** The longest a starting replica stays not ready while it loads them ({@code BONSAI_INFERENCE_WARM_AT_START_TIMEOUT}). */
        @WithDefault("PT3M")
        java.time.Duration warmAtStartTimeout();

        /** Rows the shared encoder runs at once for head-method models (dynamic batching). */
        @WithDefault("32")
        int maxBatchSize();

        /** How long a batch of the shared encoder waits for more requests after its first. */
        @WithDefault("PT0.005S")
        java.time.Duration maxWait();

        /**
         * How long a prediction reuses what it looked up about a model and variant instead of
         * reading them again. Every replica forgets a model at once when it is deleted or its
         * recommendation changes ({@link Changes}); while changes cannot be heard, nothing is reused.
         */
        @WithDefault("PT5M")
        java.time.Duration lookupTtl();
    }

    interface Jobs {
        /** Jobs run at once by one replica ({@code BONSAI_JOB_CONCURRENCY}). */
        @WithDefault("1")
        int concurrency();

        /** How often a running job proves its replica alive; a job is revived elsewhere after 4 missed beats. */
        @WithDefault("PT5S")
        java.time.Duration heartbeatInterval();

        /** Silence after which a live event stream sends a heartbeat comment ({@code BONSAI_JOB_STREAM_HEARTBEAT}). */
        @WithDefault("PT15S")
        java.time.Duration streamHeartbeat();

        /**
         * What this process is called where it claims jobs ({@code BONSAI_INSTANCE_NAME}); unset, the
         * host's name (a pod's name on Kubernetes). A random suffix is always added, so two processes
         * on one host, or hosts whose name cannot be looked up, are told apart.
         */
        Optional<String> instanceName();
    }

    interface Engine {
        /** ONNX Runtime intra-op threads for training and inference work ({@code BONSAI_ENGINE_THREADS}). */
        @WithDefault("1")
        int intraOpThreads();

        /**
         * The web runtime compression measures browser variants in ({@code BONSAI_WEB_RUNTIME_DIR}): a
         * folder with {@code measure.mjs} and {@code node_modules/onnxruntime-web}. Unset: the
         * {@code web-runtime} folder beside {@code quarkus-run.jar}, which the build installs when npm is present.
         */
        Optional<Path> webRuntimeDir();

        /** {@link #webRuntimeDir()}, or the packaged server's own {@code web-runtime} folder; null if neither. */
        default Path webRuntime() {
            if (webRuntimeDir().isPresent()) {
                return webRuntimeDir().get();
            }
            String classPath = System.getProperty("java.class.path", "");
            return classPath.endsWith("quarkus-run.jar")
                    ? Path.of(classPath).toAbsolutePath().getParent().resolve("web-runtime") : null;
        }
    }

    interface Database {
        /**
         * Data directory of the embedded PostgreSQL ({@code BONSAI_PG_DIR}), used only when
         * {@code DB_URL} is unset. Read by {@link BonsaiMain} before Quarkus starts.
         */
        @WithDefault("./data/pg")
        String embeddedDir();
    }

    interface Blobs {
        /**
         * Where artifacts are kept, addressed by sha256 ({@code BONSAI_BLOB_DIR}); with the S3 store,
         * only this process's scratch files (uploads being received, bundles being built) are kept here.
         */
        @WithDefault("./data/blobs")
        Path dir();

        /** {@code filesystem} (the default) or {@code s3} ({@code BONSAI_BLOB_STORE}). */
        @WithDefault("filesystem")
        Store store();

        S3 s3();

        enum Store {
            FILESYSTEM, S3
        }

        interface S3 {
            /** The bucket, which must exist ({@code BONSAI_S3_BUCKET}); required with the S3 store. */
            Optional<String> bucket();

            /** The S3-compatible server, e.g. {@code http://minio:9000} ({@code BONSAI_S3_ENDPOINT}); AWS's own when unset. */
            Optional<java.net.URI> endpoint();

            /** ({@code BONSAI_S3_REGION}) */
            @WithDefault("us-east-1")
            String region();

            /**
             * Access key id ({@code BONSAI_S3_ACCESS_KEY_ID}); with the secret below. When both are
             * unset, the SDK's default chain is used (AWS_* variables, profiles, IRSA, instance roles).
             */
            Optional<String> accessKeyId();

            /** ({@code BONSAI_S3_SECRET_ACCESS_KEY}) never logged. */
            Optional<String> secretAccessKey();

            /** Bucket in the path rather than the host name, as most S3-compatible servers need ({@code BONSAI_S3_PATH_STYLE}). */
            @WithDefault("false")
            boolean pathStyle();

            /** A key prefix, so that one bucket can hold several installations ({@code BONSAI_S3_PREFIX}). */
            Optional<String> prefix();

            /** Artifacts larger than this are uploaded in parts of this size; at least 5M ({@code BONSAI_S3_PART_SIZE}). */
            @WithDefault("16M")
            MemorySize partSize();
        }
    }

    interface Datasets {
        /** Largest accepted upload ({@code BONSAI_DATASET_MAX_UPLOAD_SIZE}). */
        @WithDefault("100M")
        MemorySize maxUploadSize();

        /** Longest accepted text, in characters; longer ones reject the upload. */
        @WithDefault("32768")
        int maxTextLength();

        /** Most distinct labels a dataset may have. */
        @WithDefault("1000")
        int maxClasses();

        /** Share of each class put in the validation split when no split column is given. */
        @WithDefault("0.1")
        double validationFraction();

        /** Share of each class put in the test split when no split column is given. */
        @WithDefault("0.1")
        double testFraction();

        /** Seed of the deterministic split. */
        @WithDefault("42")
        long splitSeed();
    }

    interface Log {
        /** One JSON object per log line ({@code BONSAI_LOG_JSON}). */
        @WithDefault("false")
        boolean json();
    }
}
