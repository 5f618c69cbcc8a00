/**
 * The autoscaler's Knative actuator: scale annotations on the revision template of a Knative Service.
 */
package io.quarkiverse.llmd.knative;
