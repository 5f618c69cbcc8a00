/**
 * Quarkus runtime of the llm-d scheduler: configuration, CDI wiring, the ext_proc endpoint picker and the
 * OpenAI proxy. Knows nothing about KServe or Knative types.
 */
package io.quarkiverse.llmd.runtime;
