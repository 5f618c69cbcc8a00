package io.quarkiverse.llmd.engine.framework.requestcontrol;

import java.util.Set;

import io.quarkiverse.llmd.engine.framework.plugin.DataKey;

/** Declares the per-request data a plugin reads, so that the loader can check and order producers. */
public interface DataConsumer {

    Set<DataKey<?>> consumes();
}
