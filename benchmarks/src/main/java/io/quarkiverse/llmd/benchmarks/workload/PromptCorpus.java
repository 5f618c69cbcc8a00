package io.quarkiverse.llmd.benchmarks.workload;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import io.quarkiverse.llmd.simulator.tokenizer.BuiltinTokenizer;
import io.quarkiverse.llmd.simulator.tokenizer.PseudoText;

/**
 * Turns a workload's {@code data} section into requests whose text and token ids agree: prompts are generated as
 * text (random 1-4 letter words, each one token of the simulator's {@link BuiltinTokenizer}), tokenized with that
 * tokenizer, and the OpenAI request body is built from the same text. Requests that share a system prompt therefore
 * share both the leading bytes of their JSON body (what the approximate prefix index hashes) and the leading token
 * ids (what the engine's prefix cache hashes).
 *
 * <p>Shared prefix (inference-perf semantics): one system prompt per group and one question per prompt, all
 * generated up front; the {@code groups × promptsPerGroup} prompts are shuffled once and cycled. Their token arrays
 * and body bytes are built once and reused, so the simulator never re-tokenizes a shared system prompt. The engine
 * prompt is the system tokens followed by the question tokens (no chat-template tokens). Multi-turn: each prompt is a
 * session; every request of a session sends the system prompt, all earlier (question, answer) turns and the
 * question again, and its answer joins the history when the request is generated (the answer is known in advance),
 * not when it completes.
 *
 * <p>Random: each request gets fresh random text of a sampled length. Not thread-safe.
 */
public final class PromptCorpus {

    /** One generated request; the arrays may be shared between requests and must not be modified. */
    public static final class Draft {
        public int[] promptTokens;
        public int[] outputTokens;
        public byte[] body;
        /** Shared-prefix group, or -1. */
        public int group;
        /** Prompt index in the corpus, or -1. */
        public int prompt;
    }

    private static final char[] LETTERS = "abcdefghijklmnopqrstuvwxyz".toCharArray();

    private final WorkloadSpec spec;
    private final SplittableRandom random;
    private final BuiltinTokenizer tokenizer = BuiltinTokenizer.INSTANCE;
    private final String bodyHead;
    private int[][] outputByLength = new int[64][];

    // shared prefix
    private int[] order;
    private int[] groupOf;
    private String[] systemText;
    private int[][] systemTokens;
    private String[] questionText;
    private int[][] questionTokens;
    private int[][] promptTokens;
    private byte[][] promptBody;
    private int fixedOutput = -1;
    private List<List<String>> history;
    private int[][] historyTokens;

    public PromptCorpus(WorkloadSpec spec, SplittableRandom random) {
        this.spec = spec;
        this.random = random;
        this.bodyHead = "{\"model\":\"" + spec.model() + "\",";
        if (spec.data() instanceof WorkloadSpec.SharedPrefix sp) {
            initShared(sp);
        }
    }

    private void initShared(WorkloadSpec.SharedPrefix sp) {
        int groups = sp.numGroups();
        int per = sp.promptsPerGroup();
        int n = groups * per;
        systemText = new String[groups];
        systemTokens = new int[groups][];
        for (int g = 0; g < groups; g++) {
            systemText[g] = words(sp.systemPromptLen().sample(random));
            systemTokens[g] = tokenizer.encode(systemText[g]);
        }
        groupOf = new int[n];
        questionText = new String[n];
        questionTokens = new int[n][];
        for (int i = 0; i < n; i++) {
            groupOf[i] = i / per;
            questionText[i] = words(sp.questionLen().sample(random));
            questionTokens[i] = tokenizer.encode(questionText[i]);
        }
        order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        if (sp.multiTurn()) {
            history = new ArrayList<>(n);
            historyTokens = new int[n][];
            for (int i = 0; i < n; i++) {
                history.add(new ArrayList<>());
                historyTokens[i] = concat(systemTokens[groupOf[i]], new int[0]);
            }
        } else {
            promptTokens = new int[n][];
            for (int i = 0; i < n; i++) {
                promptTokens[i] = concat(systemTokens[groupOf[i]], questionTokens[i]);
            }
            if (sp.outputLen().isFixed()) {
                fixedOutput = sp.outputLen().sample(random);
                promptBody = new byte[n][];
            }
        }
    }

    /** Fills {@code out} with request number {@code i} (0-based, in arrival order). */
    public void next(long i, Draft out) {
        if (spec.data() instanceof WorkloadSpec.SharedPrefix sp) {
            int p = order[(int) (i % order.length)];
            int g = groupOf[p];
            out.group = g;
            out.prompt = p;
            if (sp.multiTurn()) {
                int outLen = sp.outputLen().sample(random);
                int[] prompt = concat(historyTokens[p], questionTokens[p]);
                List<String> turns = history.get(p);
                out.promptTokens = prompt;
                out.outputTokens = PseudoText.tokens(i, outLen);
                out.body = body(systemText[g], turns, questionText[p], outLen);
                turns.add(questionText[p]);
                turns.add(tokenizer.decode(out.outputTokens));
                historyTokens[p] = concat(prompt, out.outputTokens);
                return;
            }
            int outLen = fixedOutput > 0 ? fixedOutput : sp.outputLen().sample(random);
            out.promptTokens = promptTokens[p];
            out.outputTokens = output(outLen);
            if (promptBody != null) {
                byte[] b = promptBody[p];
                if (b == null) {
                    b = body(systemText[g], List.of(), questionText[p], outLen);
                    promptBody[p] = b;
                }
                out.body = b;
            } else {
                out.body = body(systemText[g], List.of(), questionText[p], outLen);
            }
            return;
        }
        WorkloadSpec.RandomData rd = (WorkloadSpec.RandomData) spec.data();
        String text = words(rd.inputLen().sample(random));
        int outLen = rd.outputLen().sample(random);
        out.group = -1;
        out.prompt = -1;
        out.promptTokens = tokenizer.encode(text);
        out.outputTokens = output(outLen);
        out.body = body(null, List.of(), text, outLen);
    }

    private int[] output(int n) {
        if (n >= outputByLength.length && n < 1 << 16) {
            outputByLength = Arrays.copyOf(outputByLength, Math.max(n + 1, outputByLength.length * 2));
        }
        if (n < outputByLength.length) {
            int[] o = outputByLength[n];
            if (o == null) {
                o = PseudoText.tokens(n, n);
                outputByLength[n] = o;
            }
            return o;
        }
        return PseudoText.tokens(n, n);
    }

    /** {@code n} random words of 1-4 letters, each with a leading space: exactly {@code n} tokens. */
    String words(int n) {
        StringBuilder sb = new StringBuilder(n * 4);
        for (int k = 0; k < n; k++) {
            sb.append(' ');
            int len = 1 + random.nextInt(4);
            for (int c = 0; c < len; c++) {
                sb.append(LETTERS[random.nextInt(26)]);
            }
        }
        return sb.toString();
    }

    private byte[] body(String system, List<String> turns, String question, int maxTokens) {
        StringBuilder sb = new StringBuilder(64 + (system == null ? 0 : system.length()) + question.length());
        sb.append(bodyHead);
        if (spec.chat()) {
            sb.append("\"messages\":[");
            boolean first = true;
            if (system != null) {
                sb.append("{\"role\":\"system\",\"content\":\"").append(system).append("\"}");
                first = false;
            }
            for (int t = 0; t < turns.size(); t++) {
                sb.append(first ? "" : ",").append("{\"role\":\"").append(t % 2 == 0 ? "user" : "assistant")
                        .append("\",\"content\":\"").append(turns.get(t)).append("\"}");
                first = false;
            }
            sb.append(first ? "" : ",").append("{\"role\":\"user\",\"content\":\"").append(question).append("\"}],");
        } else {
            sb.append("\"prompt\":\"");
            if (system != null) {
                sb.append(system);
            }
            for (String t : turns) {
                sb.append(t);
            }
            sb.append(question).append("\",");
        }
        sb.append("\"max_tokens\":").append(maxTokens).append(",\"stream\":true");
        if (spec.ignoreEos()) {
            sb.append(",\"ignore_eos\":true");
        }
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The path the request is sent to. */
    public String path() {
        return spec.chat() ? "/v1/chat/completions" : "/v1/completions";
    }

    /** Tokens the shared-prefix corpus keeps resident when fully cached: groups × (system + prompts × question). */
    public long residentTokens() {
        if (systemTokens == null) {
            return 0;
        }
        long total = 0;
        for (int[] s : systemTokens) {
            total += s.length;
        }
        for (int[] q : questionTokens) {
            total += q.length;
        }
        return total;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
