package io.quarkiverse.llmd.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SseUsageScannerTest {

    private static final String STREAM = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
            + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\r\n\r\n"
            + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"total_tokens\":17,"
            + "\"completion_tokens\":10,\"prompt_tokens_details\":{\"cached_tokens\":3}}}\r\n\r\n"
            + "data: [DONE]\r\n\r\n";

    @Test
    void findsUsageWhateverTheChunkBoundaries() {
        byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
        Usage expected = new Usage(7, 10, 17, 3);
        for (int size = 1; size <= all.length; size++) {
            SseUsageScanner scanner = new SseUsageScanner();
            for (int i = 0; i < all.length; i += size) {
                scanner.feed(all, i, Math.min(size, all.length - i));
            }
            scanner.finish();
            assertThat(scanner.usage()).as("chunk size %d", size).contains(expected);
            assertThat(scanner.usageEvents()).isEqualTo(1);
        }
    }

    @Test
    void randomSplitsAndLoneCarriageReturns() {
        String crStream = STREAM.replace("\r\n", "\r");
        byte[] all = crStream.getBytes(StandardCharsets.UTF_8);
        Random r = new Random(11);
        for (int round = 0; round < 200; round++) {
            SseUsageScanner scanner = new SseUsageScanner();
            int i = 0;
            while (i < all.length) {
                int n = Math.min(all.length - i, 1 + r.nextInt(40));
                scanner.feed(ByteBuffer.wrap(all, i, n));
                i += n;
            }
            assertThat(scanner.usage()).contains(new Usage(7, 10, 17, 3));
        }
    }

    @Test
    void keepsTheLatestUsageForContinuousStats() {
        SseUsageScanner scanner = new SseUsageScanner();
        scanner.feed(("data: {\"object\":\"text_completion\",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n"
                + "data: {\"object\":\"text_completion\",\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(scanner.usage()).contains(new Usage(5, 2, 7, 0));
        assertThat(scanner.usageEvents()).isEqualTo(2);
    }

    @Test
    void lastLineWithoutTerminatorNeedsFinish() {
        SseUsageScanner scanner = new SseUsageScanner();
        scanner.feed("data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}".getBytes(StandardCharsets.UTF_8));
        assertThat(scanner.usage()).isEmpty();
        scanner.finish();
        assertThat(scanner.usage()).contains(new Usage(1, 1, 2, 0));
    }

    @Test
    void overlongLinesAreDroppedAndScanningResumes() {
        SseUsageScanner scanner = new SseUsageScanner(64);
        String longLine = "data: {\"usage\":{\"prompt_tokens\":99},\"pad\":\"" + "x".repeat(200) + "\"}\n";
        String good = "data: {\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":6}}\n";
        byte[] all = (longLine + good).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < all.length; i += 16) {
            scanner.feed(all, i, Math.min(16, all.length - i));
        }
        assertThat(scanner.usage()).contains(new Usage(4, 6, 10, 0));
    }

    @Test
    void garbageNeverThrows() {
        Random r = new Random(5);
        SseUsageScanner scanner = new SseUsageScanner(128);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[r.nextInt(100)];
            r.nextBytes(b);
            scanner.feed(b);
        }
        scanner.feed((byte[]) null).feed(new byte[0]).finish();
        assertThat(scanner.usageEvents()).isGreaterThanOrEqualTo(0);
    }
}
