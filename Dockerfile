# Build with the Maven wrapper, run on a JRE 17 as a non-root user (uid 10001).
#   docker build --platform linux/amd64 -t bonsai:0.1.0 .
#   docker run -p 8080:8080 -v bonsai-data:/var/lib/bonsai/data bonsai:0.1.0
# linux/amd64 only: the bundled PostgreSQL and PyTorch native binaries are built for it.
FROM --platform=linux/amd64 eclipse-temurin:17-jdk AS build
# npm installs the web runtime (onnxruntime-web) that browser-profile compression runs variants in.
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY .mvn .mvn
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline -Dcodegen.skip=true || true
COPY migrations migrations
COPY openapi.yaml openapi.yaml
COPY src src
RUN ./mvnw -B package -DskipTests

FROM --platform=linux/amd64 eclipse-temurin:17-jre
# Node.js runs the web runtime (/opt/bonsai/web-runtime) for the browser device profile.
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs \
    && rm -rf /var/lib/apt/lists/*
# The data folder exists in the image, owned by the user: a fresh named volume mounted on it is
# initialised from it with that owner, so the embedded PostgreSQL can write there.
RUN groupadd --system --gid 10001 bonsai \
    && useradd --system --uid 10001 --gid bonsai --home-dir /var/lib/bonsai --create-home bonsai \
    && mkdir -p /var/lib/bonsai/data/blobs /var/lib/bonsai/.djl \
    && chown -R 10001:10001 /var/lib/bonsai && chmod 0750 /var/lib/bonsai/data
COPY --from=build --chown=root:root /src/target/quarkus-app /opt/bonsai
USER 10001:10001
WORKDIR /var/lib/bonsai
# Configured by environment (see README): DB_URL selects an external PostgreSQL; without it the
# embedded one keeps its data under BONSAI_PG_DIR. MALLOC_ARENA_MAX: PyTorch frees training memory
# to glibc, which keeps an arena per thread that ever trained; two arenas keep resident memory flat.
ENV PORT=8080 \
    MALLOC_ARENA_MAX=2 \
    BONSAI_PG_DIR=/var/lib/bonsai/data/pg \
    BONSAI_BLOB_DIR=/var/lib/bonsai/data/blobs \
    DJL_CACHE_DIR=/var/lib/bonsai/.djl \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Dai.djl.offline=true"
VOLUME /var/lib/bonsai/data
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/opt/bonsai/quarkus-run.jar"]
