package io.quarkiverse.llmd.engine.request;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class GoJsonWriterTest {

    @Test
    void floatsAreFormattedLikeGoEncodingJson() {
        assertThat(GoJsonWriter.formatGoFloat(1.5)).isEqualTo("1.5");
        assertThat(GoJsonWriter.formatGoFloat(100)).isEqualTo("100");
        assertThat(GoJsonWriter.formatGoFloat(-2.5)).isEqualTo("-2.5");
        assertThat(GoJsonWriter.formatGoFloat(0.1)).isEqualTo("0.1");
        assertThat(GoJsonWriter.formatGoFloat(0.3)).isEqualTo("0.3");
        assertThat(GoJsonWriter.formatGoFloat(1e20)).isEqualTo("100000000000000000000");
        assertThat(GoJsonWriter.formatGoFloat(1e21)).isEqualTo("1e+21");
        assertThat(GoJsonWriter.formatGoFloat(1.5e300)).isEqualTo("1.5e+300");
        assertThat(GoJsonWriter.formatGoFloat(0.000001)).isEqualTo("0.000001");
        assertThat(GoJsonWriter.formatGoFloat(1e-7)).isEqualTo("1e-7");
        assertThat(GoJsonWriter.formatGoFloat(1.5e-7)).isEqualTo("1.5e-7");
        assertThat(GoJsonWriter.formatGoFloat(-1.25e-10)).isEqualTo("-1.25e-10");
        assertThat(GoJsonWriter.formatGoFloat(5e-324)).isEqualTo("5e-324");
        assertThat(GoJsonWriter.formatGoFloat(Double.MAX_VALUE)).isEqualTo("1.7976931348623157e+308");
        assertThat(GoJsonWriter.formatGoFloat(123456789012345678d)).isEqualTo("123456789012345680");
        // Java 17's Double.toString prints 2.82879384806159008E17 here; Go prints the shortest form.
        assertThat(GoJsonWriter.formatGoFloat(2.82879384806159E17)).isEqualTo("282879384806159000");
        assertThat(GoJsonWriter.formatGoFloat(0.0)).isEqualTo("0");
        assertThat(GoJsonWriter.formatGoFloat(-0.0)).isEqualTo("-0");
        assertThat(GoJsonWriter.formatGoFloat(Math.PI)).isEqualTo("3.141592653589793");
    }

    @Test
    void anyValueSortsKeysAndNormalisesNumbers() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        GoJsonWriter w = new GoJsonWriter(8);
        w.any(mapper.readTree("{\"b\":[1.0,2E2,-0.5,12345678901234567890],\"a\":{\"z\":null,\"\u00e9\":true,\"y\":\"<\"},"
                + "\"\ud83d\ude00\":1,\"\uffff\":2}"), "x");
        assertThat(new String(w.toByteArray(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"a\":{\"y\":\"\\u003c\",\"z\":null,\"\u00e9\":true},\"b\":[1,200,-0.5,12345678901234567000],"
                        + "\"\uffff\":2,\"\ud83d\ude00\":1}");
    }

    @Test
    void rawUtf8HasNoEscaping() {
        GoJsonWriter w = new GoJsonWriter(1);
        w.utf8("<a & b>\n\u00e9\ud83d\ude00");
        assertThat(w.toByteArray()).isEqualTo("<a & b>\n\u00e9\ud83d\ude00".getBytes(StandardCharsets.UTF_8));
    }
}
