/**
 * Models generated at build time by fabric8's java-generator from the trimmed CRD YAML in
 * {@code src/main/resources/crds}, one package per API group and version (reversed group, then version):
 * <ul>
 * <li>{@code io.kserve.serving.v1alpha1} / {@code v1alpha2}: {@code LLMInferenceService},
 * {@code LLMInferenceServiceConfig};</li>
 * <li>{@code io.k8s.networking.inference.v1}: {@code InferencePool};</li>
 * <li>{@code ai.llm_d.v1alpha2} and the legacy {@code io.x_k8s.networking.inference.v1alpha2}:
 * {@code InferenceObjective}, {@code InferenceModelRewrite}.</li>
 * </ul>
 * Pod templates, ConfigMap key references and metav1 conditions use fabric8's own classes. This package only holds
 * {@link io.quarkiverse.llmd.kserve.KServeCrds}, the index of the CRD files.
 */
package io.quarkiverse.llmd.kserve;
