package dev.bonsai.finetune;

import dev.bonsai.dataset.DatasetEntity;

/** The shape ArchitectureTest's feature rule refuses: a feature using another's entity. Never run. */
final class ReachesIntoAnotherFeature {

    private ReachesIntoAnotherFeature() {
    }

    static String tableOf(DatasetEntity dataset) {
        return dataset.id;
    }
}
