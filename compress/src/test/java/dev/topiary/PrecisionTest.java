package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.topiary.quant.QuantScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one parser of precision names, and the precision a scheme belongs to. */
class PrecisionTest {

    @Test
    void everyNameAndSchemeIdParsesInAnyCase() {
        for (Precision p : Precision.values()) {
            assertEquals(p, Precision.parse(p.name()));
            assertEquals(p, Precision.parse(p.name().toLowerCase(java.util.Locale.ROOT)));
            String id = p.scheme().id();
            assertEquals(p, Precision.parse(id));
            assertEquals(p, Precision.parse(id.toUpperCase(java.util.Locale.ROOT)));
        }
        assertEquals(Precision.FP8, Precision.parse("Fp8_E4m3"));
        assertEquals(Precision.INT4, Precision.parse("iNt4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT2", "", "fp16", "INT 8", "FP8E4M3"})
    void anyOtherNameIsRejectedWithTheValidNames(String name) {
        TopiaryException e = assertThrows(TopiaryException.class, () -> Precision.parse(name));
        assertEquals("unknown precision '" + name + "': expected INT8, INT6, INT4 or FP8 (in any case; FP8_E4M3 also"
                + " names FP8)", e.getMessage());
    }

    @Test
    void eachSchemeBelongsToThePrecisionThatMadeIt() {
        for (Precision p : Precision.values()) {
            assertEquals(p, Precision.of(p.scheme()));
        }
        assertEquals(Precision.INT4, Precision.of(QuantScheme.int4(32)));
        assertEquals(QuantScheme.INT4, Precision.INT4.scheme());
        assertEquals(QuantScheme.INT8, Precision.INT8.scheme());
        assertEquals(QuantScheme.FP8_E4M3, Precision.FP8.scheme());
    }

    @Test
    void ggufsGridsBelongToTheFamilyOfTheirCodes() {
        assertEquals(Precision.INT8, Precision.of(QuantScheme.q8_0()));
        assertEquals(Precision.INT4, Precision.of(QuantScheme.q4_0()));
        assertEquals(Precision.INT4, Precision.of(QuantScheme.q4_1()));
    }
}
