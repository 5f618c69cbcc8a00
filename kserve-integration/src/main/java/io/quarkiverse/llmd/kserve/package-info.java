/**
 * Models generated from the KServe, GAIE and WVA CRDs (fabric8 java-generator); no hand-written logic.
 */
package io.quarkiverse.llmd.kserve;
