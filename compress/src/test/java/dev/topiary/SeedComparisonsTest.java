package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.SeedComparisons.Finding;
import dev.topiary.SeedComparisons.Verdict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeedComparisonsTest {

    /** One seed's table with the given held-out losses of the two models. */
    private static Comparison table(double width, double depth) {
        Comparison c = Comparison.on(Corpus.embedded("validation"));
        c.add(new Comparison.Row("width-distilled", 10, 8, 100, width, Math.exp(width), 0.3));
        c.add(new Comparison.Row("depth-distilled", 10, 8, 100, depth, Math.exp(depth), Double.NaN));
        return c;
    }

    private static SeedComparisons seeds(double[] width, double[] depth) {
        Map<Long, Comparison> runs = new LinkedHashMap<>();
        for (int i = 0; i < width.length; i++) {
            runs.put(1L + i, table(width[i], depth[i]));
        }
        return SeedComparisons.of(runs);
    }

    @Test
    void aClaimIsCalledWhenTheMeanDifferenceLiesOutsideIts95PercentInterval() {
        // Differences 0.5, 0.3, 0.7: mean 0.5, standard deviation 0.2, half-width 4.303 x 0.2 / sqrt(3) = 0.4969.
        Finding f = seeds(new double[] {4.0, 4.1, 4.2}, new double[] {4.5, 4.4, 4.9})
                .finding("width beats depth", "width-distilled", "depth-distilled");
        assertEquals(3, f.seeds());
        assertEquals(0.5, f.meanDifference(), 1e-12);
        assertEquals(0.2, f.spread(), 1e-12);
        assertEquals(4.303 * 0.2 / Math.sqrt(3), f.halfWidth(), 1e-12);
        assertEquals(4.1, f.meanBetter(), 1e-12);
        assertEquals(Verdict.AS_PREDICTED, f.verdict());
        assertTrue(f.toString().contains("over 3 seeds, difference 0.5000 +- 0.2000"), f.toString());

        // Differences 0.1, -0.05, 0.2: mean 0.0833, standard deviation 0.1258, half-width 0.3126: too close, although
        // the mean is well above the single-seed margin of 0.01.
        Finding close = seeds(new double[] {4.0, 4.1, 4.2}, new double[] {4.1, 4.05, 4.4})
                .finding("width beats depth", "width-distilled", "depth-distilled");
        assertEquals(Verdict.TOO_CLOSE, close.verdict());
        assertEquals(Math.sqrt(0.031666666666666666 / 2), close.spread(), 1e-9);

        Finding reversed = seeds(new double[] {4.5, 4.4, 4.9}, new double[] {4.0, 4.1, 4.2})
                .finding("width beats depth", "width-distilled", "depth-distilled");
        assertEquals(Verdict.NOT_AS_PREDICTED, reversed.verdict());
    }

    @Test
    void withOneSeedTheFixedMarginDecides() {
        assertEquals(Verdict.TOO_CLOSE, seeds(new double[] {4.0}, new double[] {4.005})
                .finding("c", "width-distilled", "depth-distilled").verdict());
        Finding one = seeds(new double[] {4.0}, new double[] {4.02}).finding("c", "width-distilled",
                "depth-distilled");
        assertEquals(Verdict.AS_PREDICTED, one.verdict());
        assertEquals(0, one.spread());
        assertTrue(one.toString().contains("over one seed"), one.toString());
        assertEquals(Verdict.NOT_AS_PREDICTED, seeds(new double[] {4.02}, new double[] {4.0})
                .finding("c", "width-distilled", "depth-distilled").verdict());
    }

    @Test
    void summariesGiveEachModelsMeanAndSpread() {
        SeedComparisons s = seeds(new double[] {4.0, 4.1, 4.2}, new double[] {4.5, 4.4, 4.9});
        assertEquals("model,seeds,val_loss_mean,val_loss_sd,val_loss_min,val_loss_max,cloze_acc_mean\n"
                + "width-distilled,3,4.100000,0.100000,4.000000,4.200000,0.300000\n"
                + "depth-distilled,3,4.600000,0.264575,4.400000,4.900000,\n", s.toCsv());
        assertTrue(s.toHtml().contains("<td>4.6000</td>"), s.toHtml());
        assertEquals(4.6, s.summary("depth-distilled").orElseThrow().meanLoss(), 1e-12);
        assertTrue(s.summary("teacher").isEmpty());
    }

    @Test
    void badInputIsNamed() {
        assertThrows(TopiaryException.class, () -> SeedComparisons.of(Map.of()));
        TopiaryException e = assertThrows(TopiaryException.class, () -> seeds(new double[] {4}, new double[] {4})
                .finding("c", "width-distilled", "teacher"));
        assertTrue(e.getMessage().contains("no seed measured both 'width-distilled' and 'teacher'"), e.getMessage());
    }
}
