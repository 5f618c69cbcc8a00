package io.quarkiverse.llmd.engine.prefix;

/** Lets tests in other packages use the reference chain of {@link PrefixHasherTest}. */
public final class PrefixHasherTestAccess {

    private PrefixHasherTestAccess() {
    }

    public static long[] reference(String model, String salt, byte[] input, int blockSizeTokens, int maxBlocks) {
        return PrefixHasherTest.referenceChain(model, salt, input, blockSizeTokens, maxBlocks);
    }
}
