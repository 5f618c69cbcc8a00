package io.quarkiverse.llmd.engine.kvcache;

/** Checks the test oracle against the contract, so that differential tests compare with something right. */
class ReferenceKvBlockIndexTest extends KvBlockIndexContract {

    @Override
    protected KvBlockIndex newIndex(long capacityBlocks) {
        return new ReferenceKvBlockIndex(capacityBlocks, InMemoryKvBlockIndex.DEFAULT_TIER_WEIGHTS);
    }
}
