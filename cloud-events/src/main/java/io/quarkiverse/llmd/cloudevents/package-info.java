/**
 * CloudEvents of the variant autoscaler's decisions, through SmallRye Reactive Messaging.
 */
package io.quarkiverse.llmd.cloudevents;
