package io.quarkiverse.llmd.simulator.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Picks the tokenizer of a simulated fleet: the built-in one, or a HuggingFace {@code tokenizer.json}. */
public final class Tokenizers {

    /** The DJL class {@link HuggingFaceTokenizer} wraps; DJL is an optional dependency of the simulator. */
    static final String DJL_CLASS = "ai.djl.huggingface.tokenizers.HuggingFaceTokenizer";

    static final String DJL_MISSING = "--tokenizer needs ai.djl.huggingface:tokenizers on the classpath"
            + " (it is in llmd-sim.jar; add it as a dependency when embedding the simulator)";

    private Tokenizers() {
    }

    /**
     * {@link BuiltinTokenizer#INSTANCE} for a null path, else a {@link HuggingFaceTokenizer} loaded from
     * {@code tokenizerJson} (a {@code tokenizer.json} or a directory holding one). The caller closes it.
     *
     * @throws IllegalArgumentException if the file is missing or invalid, or DJL is not on the classpath
     */
    public static Tokenizer forPath(Path tokenizerJson) {
        if (tokenizerJson == null) {
            return BuiltinTokenizer.INSTANCE;
        }
        requireDjl(Tokenizers.class.getClassLoader());
        Path file = Files.isDirectory(tokenizerJson) ? tokenizerJson.resolve("tokenizer.json") : tokenizerJson;
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--tokenizer: no such file " + file);
        }
        return HuggingFaceTokenizer.load(file);
    }

    /** Fails with {@link #DJL_MISSING} unless {@code loader} can see DJL's tokenizer. */
    static void requireDjl(ClassLoader loader) {
        try {
            Class.forName(DJL_CLASS, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException(DJL_MISSING, e);
        }
    }
}
