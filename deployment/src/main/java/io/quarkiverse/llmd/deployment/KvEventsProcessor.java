package io.quarkiverse.llmd.deployment;

import io.quarkiverse.llmd.runtime.kvcache.SharedKvBlockIndexes;
import io.quarkiverse.llmd.runtime.kvevents.KvEventSubscribers;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildStep;

/**
 * Registers the KV-event subscribers. They start only for pools whose EndpointPickerConfig declares a
 * {@code precise-prefix-cache-producer}, so the bean costs nothing otherwise.
 */
final class KvEventsProcessor {

    @BuildStep
    AdditionalBeanBuildItem kvEventSubscribers() {
        return AdditionalBeanBuildItem.unremovableOf(KvEventSubscribers.class);
    }

    /** The index factory that builds shared (Redis) indexes; it connects only when a plugin asks for one. */
    @BuildStep
    AdditionalBeanBuildItem sharedKvBlockIndexes() {
        return AdditionalBeanBuildItem.unremovableOf(SharedKvBlockIndexes.class);
    }
}
