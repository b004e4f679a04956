package dev.bonsai.web;

import dev.bonsai.basemodel.BaseModelCatalog;
import dev.bonsai.compression.CompressionJobService;
import dev.bonsai.dataset.DatasetService;
import dev.bonsai.device.Device;
import dev.bonsai.device.DeviceCatalog;
import dev.bonsai.model.Model;
import dev.bonsai.model.ModelService;
import dev.bonsai.platform.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The names the dashboard shows where people would otherwise read ids: datasets, models, devices,
 * base models and variants. A resource that is gone (a deleted dataset) is shown by its id.
 */
@ApplicationScoped
class Names {

    @Inject
    DatasetService datasets;

    @Inject
    ModelService models;

    @Inject
    CompressionJobService compressions;

    @Inject
    DeviceCatalog devices;

    @Inject
    BaseModelCatalog baseModels;

    String dataset(String tenantId, String id) {
        return orId(id, () -> datasets.get(tenantId, id).name());
    }

    String model(String tenantId, String id) {
        return orId(id, () -> {
            Model model = models.get(tenantId, id);
            return model.name() == null ? id : model.name();
        });
    }

    String device(String id) {
        return devices.byId(id).map(Device::name).orElse(id);
    }

    String baseModel(String id) {
        return baseModels.list().stream().filter(view -> view.id().equals(id)).findFirst()
                .map(BaseModelCatalog.BaseModelView::name).orElse(id);
    }

    /**
     * Each variant's name: its recipe, and for a compressed one the device its job compressed for;
     * two that would read the same are told apart by when they were made, then by a number.
     */
    Map<String, String> variants(String tenantId, Model model) {
        Map<String, String> devicesByJob = new HashMap<>();
        Map<String, String> names = new LinkedHashMap<>();
        for (Model.Variant variant : model.variants()) {
            String name = variant.recipe();
            if (variant.compressionJobId() != null) {
                String device = devicesByJob.computeIfAbsent(variant.compressionJobId(),
                        job -> orId(null, () -> device(compressions.get(tenantId, job).device())));
                name = device == null ? name : name + " for " + device;
            }
            names.put(variant.id(), name);
        }
        Map<String, Long> counts = new HashMap<>();
        names.values().forEach(name -> counts.merge(name, 1L, Long::sum));
        Map<String, Integer> seen = new HashMap<>();
        Map<String, String> distinct = new LinkedHashMap<>();
        for (Model.Variant variant : model.variants()) {
            String name = names.get(variant.id());
            if (counts.get(name) > 1) {
                name = name + " #" + seen.merge(name, 1, Integer::sum) + " (" + Views.asWhen(variant.createdAt()) + ")";
            }
            distinct.put(variant.id(), name);
        }
        return distinct;
    }

    private static String orId(String id, Supplier<String> name) {
        try {
            return name.get();
        } catch (ProblemException gone) {
            return id;
        }
    }
}
