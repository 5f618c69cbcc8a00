package io.quarkiverse.llmd.engine.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.engine.config.EndpointPickerConfigLoader;
import io.quarkiverse.llmd.engine.framework.scheduling.Endpoint;
import io.quarkiverse.llmd.engine.pipeline.Admission;
import io.quarkiverse.llmd.engine.pipeline.Decision;
import io.quarkiverse.llmd.engine.pipeline.PipelineMetrics;
import io.quarkiverse.llmd.engine.pipeline.RequestPipeline;
import io.quarkiverse.llmd.engine.pipeline.RoutedRequest;
import io.quarkiverse.llmd.engine.plugins.BuiltInPlugins;

class PoolDirectoryTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private final List<String> closed = new ArrayList<>();

    private Pool pool(String name, String model, String endpoint) {
        EndpointRegistry registry = new EndpointRegistry();
        registry.replaceAll(List.of(Endpoint.of(endpoint, "10.0.0." + (closed.size() + 1) + ":8000", Map.of())));
        var loaded = new EndpointPickerConfigLoader(BuiltInPlugins.registry()).loadDefault();
        RequestPipeline pipeline = new RequestPipeline(name, loaded.scheduler(), registry::endpoints,
                Admission.ALWAYS, Map.of(), CLOCK, PipelineMetrics.NOOP, () -> 0L);
        Pool p = new Pool(name, model == null ? Set.of() : Set.of(model), registry, pipeline);
        p.closeOnRetire(() -> closed.add(name + "/" + endpoint));
        return p;
    }

    private static Decision submit(PoolDirectory d, String model) {
        byte[] body = ("{\"model\":\"" + model + "\",\"prompt\":\"hi\"}").getBytes(StandardCharsets.UTF_8);
        return d.current().submit(null, "/v1/completions", Map.of(), body, null).join();
    }

    private static String servedBy(Decision d) {
        assertThat(d).isInstanceOf(RoutedRequest.class);
        return ((RoutedRequest) d).served().name();
    }

    @Test
    void anAddedPoolIsRoutedByModelAndARemovedOneAnswers404() {
        PoolDirectory d = new PoolDirectory(new Pools(List.of(pool("static", "llama", "s-0"))));
        d.add(pool("ns/qwen", "qwen", "q-0"));
        assertThat(servedBy(submit(d, "qwen"))).isEqualTo("q-0");
        assertThat(servedBy(submit(d, "llama"))).isEqualTo("s-0");
        assertThat(d.current().declaredModels()).containsExactly("llama", "qwen");

        Pool removed = d.remove("ns/qwen");
        assertThat(removed.retired()).isTrue();
        assertThat(closed).containsExactly("ns/qwen/q-0");
        assertThat(submit(d, "qwen")).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(404));
        assertThat(servedBy(submit(d, "llama"))).isEqualTo("s-0");
        assertThat(d.remove("ns/qwen")).isNull();
    }

    @Test
    void replacingSwapsModelsAtOnceAndRetiresTheOldPool() {
        PoolDirectory d = new PoolDirectory(new Pools(List.of()));
        d.add(pool("svc", "v1", "old-0"));
        Pool old = d.current().named("svc");
        Pool previous = d.replace(pool("svc", "v2", "new-0"));
        assertThat(previous).isSameAs(old);
        assertThat(old.retired()).isTrue();
        assertThat(closed).containsExactly("svc/old-0");
        assertThat(servedBy(submit(d, "v2"))).isEqualTo("new-0");
        assertThat(submit(d, "v1")).isInstanceOfSatisfying(Decision.Rejected.class,
                r -> assertThat(r.status()).isEqualTo(404));
        assertThatThrownBy(() -> d.replace(pool("nope", "x", "x-0"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no pool named 'nope'");
    }

    @Test
    void aRetiredPoolStillServesTheRequestsThatHoldIt() {
        PoolDirectory d = new PoolDirectory(new Pools(List.of()));
        d.add(pool("svc", "m", "e-0"));
        Pool held = d.current().forModel("m"); // a request that chose its pool before the removal
        d.remove("svc");
        byte[] body = "{\"model\":\"m\",\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        Decision late = held.pipeline().submit("/v1/completions", Map.of(), body, null).join();
        assertThat(servedBy(late)).isEqualTo("e-0");
    }

    @Test
    void aConflictingChangeIsRefusedWholeAndChangesNothing() {
        PoolDirectory d = new PoolDirectory(new Pools(List.of(pool("a", "m", "a-0"))));
        Pools before = d.current();
        Pool clash = pool("b", "m", "b-0");
        assertThatThrownBy(() -> d.add(clash)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model 'm' is served by two pools");
        assertThatThrownBy(() -> d.add(pool("a", "other", "a-1"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exists already");
        assertThat(d.current()).isSameAs(before);
        assertThat(clash.retired()).isFalse();
        assertThat(closed).isEmpty();
    }

    @Test
    void putAddsOrReplacesAndListenersSeeEachChangeInOrder() {
        PoolDirectory d = new PoolDirectory(new Pools(List.of()));
        List<String> seen = new ArrayList<>();
        d.listen(c -> seen.add(c.added().stream().map(Pool::toString).toList() + " - "
                + c.removed().stream().map(p -> p.name() + (p.retired() ? " retired" : " live")).toList() + " = "
                + c.current().all().size()));
        assertThat(d.put(pool("p", "m1", "e-0"))).isNull();
        assertThat(d.put(pool("p", "m2", "e-1"))).isNotNull();
        d.remove("p");
        // listeners run before the leaving pool is retired, so they can still read it
        assertThat(seen).containsExactly("[pool p [m1]] - [] = 1", "[pool p [m2]] - [p live] = 1",
                "[] - [p live] = 0");
    }

    @Test
    void resourcesCloseInReverseOrderOnceAndAFailureDoesNotKeepOthersOpen() {
        Pool p = pool("p", "m", "e-0");
        AtomicInteger order = new AtomicInteger();
        List<String> log = new ArrayList<>();
        p.closeOnRetire(() -> {
            throw new IllegalStateException("boom");
        });
        p.closeOnRetire(() -> log.add("last registered, first closed " + order.incrementAndGet()));
        List<Exception> failures = p.retire();
        assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
        assertThat(log).containsExactly("last registered, first closed 1");
        assertThat(closed).containsExactly("p/e-0");
        assertThat(p.retire()).isEmpty();
        assertThat(closed).hasSize(1);
        p.closeOnRetire(() -> log.add("late"));
        assertThat(log).endsWith("late");
    }
}
