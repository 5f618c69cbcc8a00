/**
 * Knative autoscaling hooks and CloudEvents of scaling decisions.
 */
package io.quarkiverse.llmd.knative;
