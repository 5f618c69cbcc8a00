package io.quarkiverse.llmd.kserve;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The CRD YAML files this module's models are generated from, as class-path resources. Integration tests register
 * them with the fabric8 mock API server (CRUD mode) so that typed clients of the generated classes work there.
 */
public final class KServeCrds {

    /** Class-path folder of the CRD files. */
    public static final String FOLDER = "crds/";

    /** File names, one CRD each: KServe, then the Gateway API Inference Extension, then llm-d and its legacy group. */
    public static final List<String> FILES = List.of(
            "serving.kserve.io_llminferenceservices.yaml",
            "serving.kserve.io_llminferenceserviceconfigs.yaml",
            "inference.networking.k8s.io_inferencepools.yaml",
            "llm-d.ai_inferenceobjectives.yaml",
            "llm-d.ai_inferencemodelrewrites.yaml",
            "inference.networking.x-k8s.io_inferenceobjectives.yaml",
            "inference.networking.x-k8s.io_inferencemodelrewrites.yaml");

    private KServeCrds() {
    }

    /** Every CRD, parsed; fails if a file is missing from the class path or is not a CustomResourceDefinition. */
    public static List<CustomResourceDefinition> all() {
        return FILES.stream().map(KServeCrds::load).toList();
    }

    /** One CRD by file name (one of {@link #FILES}). */
    public static CustomResourceDefinition load(String file) {
        String resource = FOLDER + file;
        try (InputStream in = KServeCrds.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no CRD on the class path at " + resource);
            }
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
    }
}
