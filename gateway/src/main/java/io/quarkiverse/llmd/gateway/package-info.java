/**
 * The deployable gateway application: wiring only.
 */
package io.quarkiverse.llmd.gateway;
