package io.quarkiverse.llmd.engine.request;

/**
 * The typed body of a parsed request, one implementation per API. The parser produces it; plugins that need
 * more than {@link InferenceRequest}'s summary fields look inside.
 */
public interface RequestBody {

    ApiType api();
}
