/**
 * Binding to KServe LLMInferenceService: pod discovery by role and actuation of scaling decisions.
 */
package io.quarkiverse.llmd.llmisvc;
