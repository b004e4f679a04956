package dev.bonsai.blob;

import static dev.bonsai.support.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.platform.BonsaiConfig;
import dev.bonsai.support.Api;
import dev.bonsai.support.S3Resource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A server whose artifacts live in S3 (S3Proxy, started for this profile): a tenant uploads,
 * fine-tunes, predicts, downloads whole and by range, and deletes, and every artifact is an
 * object in the bucket, none a local file.
 */
@QuarkusTest
@TestProfile(ObjectStorageTest.OnS3.class)
class ObjectStorageTest {

    public static class OnS3 implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(S3Resource.class));
        }
    }

    @Inject
    BonsaiConfig config;

    @Inject
    BlobStore blobs;

    @Test
    void everyArtifactIsAnObjectAndRangesAreServedFromIt() throws Exception {
        assertTrue(blobs.toString().startsWith("objects in bucket "), blobs.toString());
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItems("blob-storage"));
        String key = Api.newTenant();
        Set<String> before = objects();

        String modelId = Api.headModel(key, 20, Map.of("seed", 7, "epochs", 30));
        assertTrue(objects().size() > before.size(), "the dataset file, embeddings and head are objects");

        JsonPath model = as(key).get("/v1/models/" + modelId).then().statusCode(200).extract().jsonPath();
        String variantId = model.getString("variants[0].id");
        String sha256 = model.getString("variants[0].sha256");
        String content = "/v1/models/" + modelId + "/variants/" + variantId + "/content";
        byte[] onnx = as(key).get(content).then().statusCode(200).header("ETag", "\"" + sha256 + "\"").extract().asByteArray();
        assertEquals(sha256, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onnx)));
        assertTrue(objects().contains(objectKey(sha256)), "the graph made on first read is stored as an object");
        byte[] range = as(key).header("Range", "bytes=1000-1999").get(content).then().statusCode(206)
                .header("Content-Range", "bytes 1000-1999/" + onnx.length).extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(onnx, 1000, 2000), range);
        byte[] tail = as(key).header("Range", "bytes=-10").get(content).then().statusCode(206).extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(onnx, onnx.length - 10, onnx.length), tail);

        byte[] bundle = as(key).get(content + "?format=bundle").then().statusCode(200).extract().asByteArray();
        assertEquals('P', bundle[0]);
        assertEquals('K', bundle[1]);
        byte[] bundleRange = as(key).header("Range", "bytes=0-3").get(content + "?format=bundle").then().statusCode(206)
                .extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(bundle, 0, 4), bundleRange);

        as(key).contentType(ContentType.JSON).body(Map.of("inputs", List.of("The storm story number 99, in the evening")))
                .post("/v1/models/" + modelId + "/predictions").then().statusCode(200).body("data.size()", equalTo(1));

        assertFalse(Files.exists(config.blobs().dir().resolve("sha256")), "nothing is stored in the local folder");

        as(key).delete("/v1/models/" + modelId).then().statusCode(204);
        assertFalse(objects().contains(objectKey(sha256)), "the model's graph is deleted from the bucket with it");
    }

    private static String objectKey(String sha256) {
        return "sha256/" + sha256.substring(0, 2) + "/" + sha256.substring(2, 4) + "/" + sha256;
    }

    /** The bucket's keys, listed by a client of the test's own. */
    private Set<String> objects() {
        try (S3Client client = BlobStores.client(config.blobs().s3())) {
            return client.listObjectsV2Paginator(request -> request.bucket(config.blobs().s3().bucket().orElseThrow()))
                    .contents().stream().map(S3Object::key).collect(Collectors.toSet());
        }
    }
}
