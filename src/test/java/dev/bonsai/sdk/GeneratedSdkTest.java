package dev.bonsai.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bonsai.sdk.api.DatasetsApi;
import dev.bonsai.sdk.api.TenantsApi;
import dev.bonsai.sdk.model.CreateTenantRequest;
import dev.bonsai.sdk.model.CreatedTenant;
import dev.bonsai.sdk.model.Dataset;
import dev.bonsai.sdk.model.DatasetReport;
import dev.bonsai.sdk.model.DatasetStatus;
import dev.bonsai.support.Api;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A client generated from the committed openapi.yaml (openapi-generator, in generate-test-sources)
 * drives the running app, so the published description is one a real SDK can use.
 */
@QuarkusTest
class GeneratedSdkTest {

    @TestHTTPResource("/")
    URL root;

    private ApiClient client(String key) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(root.toString().replaceAll("/$", ""));
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + key));
        return client;
    }

    @Test
    void createTenantUploadDatasetReadReport() throws Exception {
        CreatedTenant tenant = new TenantsApi(client(Api.ADMIN_KEY))
                .createTenant(new CreateTenantRequest().name("sdk tenant"));
        String key = tenant.getApiKey().getSecret();
        assertTrue(tenant.getId().startsWith("ten_"));

        Path file = Files.createTempFile("sdk", ".csv");
        Files.writeString(file, Api.sampleCsv(10));
        DatasetsApi datasets = new DatasetsApi(client(key));
        Dataset dataset = datasets.uploadDataset(null, null, null, "sdk upload", null, null, null, null, null, file.toFile());
        assertEquals(DatasetStatus.READY, dataset.getStatus());
        assertEquals(30L, dataset.getRows());

        DatasetReport report = datasets.getDatasetReport(dataset.getId());
        assertEquals(DatasetStatus.READY, report.getStatus());
        assertEquals(3, report.getStats().getClasses());
        assertEquals(24L, report.getSplits().getTrain());
        Files.delete(file);

        ApiException missing = org.junit.jupiter.api.Assertions.assertThrows(ApiException.class,
                () -> datasets.getDataset("ds_nope"));
        assertEquals(404, missing.getCode());
        assertTrue(missing.getResponseBody().contains("\"code\":\"not_found\""));
    }
}
