package io.quarkiverse.llmd.simulator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.quarkiverse.llmd.simulator.config.HardwareProfile;
import io.quarkiverse.llmd.simulator.kvevents.KvEvent;

/** The engine model in virtual time: exact step costs, chunked prefill, prefix hits, eviction, preemption. */
class EngineCoreTest {

    static final HardwareProfile HW = new HardwareProfile("test", 0.01, 1e-4, 1e-3, 1e-6, 1000, 16, 1);

    static EngineCore engine(HardwareProfile hw, int maxSeqs, int budget) {
        return new EngineCore(new EngineConfig("m", hw, maxSeqs, budget, true, true));
    }

    static int[] tokens(int seed, int n) {
        return IntStream.range(0, n).map(i -> 1000 + seed * 7919 + i).toArray();
    }

    static SimRequest req(String id, int[] prompt, int out) {
        return new SimRequest(id, prompt, tokens(99, out), "length", null, null, false);
    }

    @Test
    void stepTimeFollowsTheFormula() {
        EngineCore e = engine(HW, 8, 8192);
        SimRequest r = req("a", tokens(1, 100), 3);
        e.submit(r);
        StepResult s1 = e.step();
        assertThat(s1.prefillTokens()).isEqualTo(100);
        assertThat(s1.decodeSeqs()).isZero();
        assertThat(s1.durationSeconds()).isCloseTo(0.01 + 100 * 1e-4, within(1e-12));
        assertThat(s1.progressed()).containsExactly(r);
        StepResult s2 = e.step();
        assertThat(s2.decodeSeqs()).isEqualTo(1);
        assertThat(s2.decodeContextTokens()).isEqualTo(101);
        assertThat(s2.durationSeconds()).isCloseTo(0.01 + 1e-3 + 101 * 1e-6, within(1e-12));
        StepResult s3 = e.step();
        assertThat(s3.finished()).containsExactly(r);
        assertThat(r.numOutput()).isEqualTo(3);
        assertThat(r.endReason()).isEqualTo("length");
        assertThat(e.hasWork()).isFalse();
        assertThat(e.blockPool().numUsed()).isZero();
    }

    @Test
    void chunkedPrefillSplitsLongPromptsByTheTokenBudget() {
        EngineCore e = engine(HW, 8, 512);
        SimRequest r = req("a", tokens(1, 2000), 2);
        e.submit(r);
        List<Integer> chunks = new ArrayList<>();
        StepResult s;
        do {
            s = e.step();
            chunks.add(s.prefillTokens());
        } while (s.progressed().isEmpty());
        assertThat(chunks).containsExactly(512, 512, 512, 464);
    }

    @Test
    void decodesShareStepsWithPrefillChunks() {
        EngineCore e = engine(HW, 8, 600);
        SimRequest a = req("a", tokens(1, 100), 50);
        e.submit(a);
        e.step(); // a prefilled
        SimRequest b = req("b", tokens(2, 1000), 5);
        e.submit(b);
        StepResult s = e.step();
        assertThat(s.decodeSeqs()).isEqualTo(1);
        assertThat(s.prefillTokens()).isEqualTo(599); // budget minus a's decode token
    }

    @Test
    void repeatedPromptHitsThePrefixCache() {
        EngineCore e = engine(HW, 8, 8192);
        VirtualTimeDriver d = new VirtualTimeDriver(e, false);
        int[] prompt = tokens(3, 4000);
        SimRequest first = req("a", prompt, 1);
        VirtualTimeDriver.Timing t1 = d.submitAt(0, first);
        d.runToCompletion();
        SimRequest second = req("b", prompt, 1);
        VirtualTimeDriver.Timing t2 = d.submitAt(d.now() + 1, second);
        d.runToCompletion();
        assertThat(first.cachedTokens()).isZero();
        assertThat(second.cachedTokens()).isEqualTo(3984); // (4000-1) rounded down to 16
        assertThat(t2.ttft()).isLessThan(t1.ttft() / 10);
    }

    @Test
    void atMostPromptMinusOneTokenIsCached() {
        EngineCore e = engine(HW, 8, 8192);
        VirtualTimeDriver d = new VirtualTimeDriver(e, false);
        int[] prompt = tokens(4, 32);
        d.submitAt(0, req("a", prompt, 1));
        d.runToCompletion();
        SimRequest again = req("b", prompt, 1);
        d.submitAt(d.now(), again);
        d.runToCompletion();
        assertThat(again.cachedTokens()).isEqualTo(16);
    }

    @Test
    void cacheSaltAndLoraSeparateTheCache() {
        EngineCore e = engine(HW, 8, 8192);
        VirtualTimeDriver d = new VirtualTimeDriver(e, false);
        int[] prompt = tokens(5, 320);
        d.submitAt(0, req("a", prompt, 1));
        d.runToCompletion();
        SimRequest salted = new SimRequest("s", prompt, tokens(9, 1), "length", null, "tenant-1", false);
        SimRequest lora = new SimRequest("l", prompt, tokens(9, 1), "length", "sql-lora", null, false);
        d.submitAt(d.now(), salted);
        d.submitAt(d.now(), lora);
        d.runToCompletion();
        assertThat(salted.cachedTokens()).isZero();
        assertThat(lora.cachedTokens()).isZero();
    }

    @Test
    void concurrentLongPrefillsSlowEachOtherDown() {
        int[] p1 = tokens(6, 6000);
        int[] p2 = tokens(7, 6000);
        VirtualTimeDriver alone = new VirtualTimeDriver(engine(HW, 8, 8192), false);
        VirtualTimeDriver.Timing single = alone.submitAt(0, req("a", p1, 1));
        alone.runToCompletion();
        VirtualTimeDriver pair = new VirtualTimeDriver(engine(HW, 8, 8192), false);
        VirtualTimeDriver.Timing x = pair.submitAt(0, req("a", p1, 1));
        VirtualTimeDriver.Timing y = pair.submitAt(0, req("b", p2, 1));
        pair.runToCompletion();
        assertThat(Math.max(x.ttft(), y.ttft())).isGreaterThan(1.5 * single.ttft());
        assertThat((x.ttft() + y.ttft()) / 2).isGreaterThan(1.2 * single.ttft());
    }

    @Test
    void freeCachedBlocksAreEvictedLeastRecentlyUsedFirst() {
        HardwareProfile small = HW.withKv(10, 16);
        EngineCore e = engine(small, 8, 8192);
        VirtualTimeDriver d = new VirtualTimeDriver(e, true);
        int[] a = tokens(8, 64); // 4 full blocks
        d.submitAt(0, req("a", a, 1));
        d.runToCompletion();
        assertThat(e.blockPool().numCached()).isEqualTo(4);
        d.submitAt(d.now(), req("b", tokens(9, 128), 1)); // needs 9 blocks: evicts some of a's
        d.runToCompletion();
        List<KvEvent> events = d.steps().stream().flatMap(s -> s.kvEvents().stream()).toList();
        List<KvEvent.BlockRemoved> removed = events.stream().filter(KvEvent.BlockRemoved.class::isInstance)
                .map(KvEvent.BlockRemoved.class::cast).toList();
        assertThat(removed).isNotEmpty();
        assertThat(removed).allSatisfy(r -> {
            assertThat(r.blockHashes()).hasSize(1);
            assertThat(r.medium()).isEqualTo("GPU");
        });
        // a's tail blocks are released last-first, so its first block is the last to go: the prefix survives longest
        SimRequest again = req("a2", a, 1);
        d.submitAt(d.now(), again);
        d.runToCompletion();
        assertThat(e.blockPool().numUsed()).isZero();
    }

    @Test
    void blockStoredEventsDescribeTheChain() {
        EngineCore e = engine(HW, 8, 8192);
        SimRequest r = new SimRequest("a", tokens(10, 40), tokens(11, 30), "length", "lora-x", null, false);
        e.submit(r);
        List<KvEvent> events = new ArrayList<>();
        while (e.hasWork()) {
            events.addAll(e.step().kvEvents());
        }
        List<KvEvent.BlockStored> stored = events.stream().filter(KvEvent.BlockStored.class::isInstance)
                .map(KvEvent.BlockStored.class::cast).toList();
        assertThat(stored.get(0).blockHashes()).hasSize(2); // 40 prompt tokens: two full blocks
        assertThat(stored.get(0).parentBlockHash()).isNull();
        assertThat(stored.get(0).tokenIds()).hasSize(32).startsWith(r.prompt()[0], r.prompt()[1]);
        assertThat(stored.get(0).medium()).isEqualTo("GPU");
        assertThat(stored.get(0).loraName()).isEqualTo("lora-x");
        assertThat(stored.get(0).blockSize()).isEqualTo(16);
        // decode fills block 2 (tokens 32..47) at 48 computed tokens, then block 3 at 64
        assertThat(stored).hasSize(3);
        assertThat(stored.get(1).parentBlockHash()).isEqualTo(stored.get(0).blockHashes()[1]);
        assertThat(stored.get(2).parentBlockHash()).isEqualTo(stored.get(1).blockHashes()[0]);
    }

    @Test
    void runningOutOfBlocksPreemptsAndRecomputes() {
        HardwareProfile small = HW.withKv(12, 16);
        EngineCore e = engine(small, 8, 8192);
        VirtualTimeDriver d = new VirtualTimeDriver(e, false);
        SimRequest a = req("a", tokens(12, 60), 60); // each grows to 120 tokens = 8 blocks
        SimRequest b = req("b", tokens(13, 60), 60);
        d.submitAt(0, a);
        d.submitAt(0, b);
        d.runToCompletion();
        assertThat(e.totalPreemptions()).isGreaterThan(0);
        assertThat(a.numOutput()).isEqualTo(60);
        assertThat(b.numOutput()).isEqualTo(60);
        assertThat(b.preemptions()).isGreaterThan(0); // the later one is the victim
        assertThat(e.blockPool().numUsed()).isZero();
    }

    @Test
    void maxNumSeqsBoundsTheBatch() {
        EngineCore e = engine(HW, 2, 8192);
        for (int i = 0; i < 5; i++) {
            e.submit(req("r" + i, tokens(20 + i, 10), 5));
        }
        e.step();
        assertThat(e.numRunning()).isEqualTo(2);
        assertThat(e.numWaiting()).isEqualTo(3);
    }

    @Test
    void remotePrefillSkipsTheTransferredPrompt() {
        EngineCore e = engine(HW, 8, 8192);
        SimRequest r = new SimRequest("d", tokens(30, 3000), tokens(31, 2), "length", null, null, true);
        e.submit(r);
        StepResult s = e.step();
        assertThat(s.prefillTokens()).isEqualTo(1);
        assertThat(s.progressed()).containsExactly(r);
    }

    @Test
    void aRequestLargerThanTheCacheFailsInsteadOfStalling() {
        EngineCore e = engine(HW.withKv(4, 16), 8, 8192);
        SimRequest r = req("big", tokens(40, 200), 1);
        e.submit(r);
        StepResult s = e.step();
        assertThat(s.finished()).containsExactly(r);
        assertThat(r.endReason()).isEqualTo("error");
        assertThat(e.hasWork()).isFalse();
    }

    @Test
    void abortFreesBlocks() {
        EngineCore e = engine(HW, 8, 8192);
        SimRequest r = req("a", tokens(41, 100), 50);
        e.submit(r);
        e.step();
        assertThat(e.blockPool().numUsed()).isGreaterThan(0);
        assertThat(e.abort(r)).isTrue();
        assertThat(e.blockPool().numUsed()).isZero();
        assertThat(r.endReason()).isEqualTo("abort");
        assertThat(e.abort(r)).isFalse();
    }
}
