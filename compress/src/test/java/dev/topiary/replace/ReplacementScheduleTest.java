package dev.topiary.replace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.topiary.TopiaryException;
import org.junit.jupiter.api.Test;

class ReplacementScheduleTest {

    @Test
    void theRateRisesLinearlyFromItsStartThenStaysAtOne() {
        ReplacementSchedule schedule = new ReplacementSchedule(0.3, 0.05);
        assertEquals(0.3, schedule.rate(0), 1e-15);
        assertEquals(0.3 + 4 * 0.05, schedule.rate(4), 1e-15);
        assertEquals(0.95, schedule.rate(13), 1e-15);
        assertEquals(1.0, schedule.rate(14), 1e-15);
        assertEquals(1.0, schedule.rate(1000));
    }

    @Test
    void reachingOneAtAStepSpreadsTheRiseOverTheStepsBefore() {
        ReplacementSchedule schedule = ReplacementSchedule.reachingOneAt(0.5, 6);
        assertEquals(0.5 / 6, schedule.slope(), 1e-15);
        assertEquals(0.5, schedule.rate(0), 1e-15);
        assertEquals(0.75, schedule.rate(3), 1e-15);
        assertEquals(1.0, schedule.rate(6), 1e-15);
        assertEquals(1.0, schedule.rate(7));
        assertEquals(1.0, ReplacementSchedule.reachingOneAt(0.2, 1).rate(1));
        assertEquals(0.0, ReplacementSchedule.reachingOneAt(1, 5).slope());
    }

    @Test
    void itSaysWhatItIs() {
        assertEquals("replacement rate min(1, 0.5000 + 0.08333 t)",
                ReplacementSchedule.reachingOneAt(0.5, 6).toString());
    }

    @Test
    void ratesOutOfRangeAreRefused() {
        assertThrows(TopiaryException.class, () -> new ReplacementSchedule(1.5, 0));
        assertThrows(TopiaryException.class, () -> new ReplacementSchedule(-0.1, 0));
        assertThrows(TopiaryException.class, () -> new ReplacementSchedule(0.5, -1e-3));
        assertThrows(TopiaryException.class, () -> new ReplacementSchedule(0.5, Double.NaN));
        assertThrows(TopiaryException.class, () -> ReplacementSchedule.reachingOneAt(0.5, 0));
    }
}
