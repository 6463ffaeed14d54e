package dev.topiary.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.train.LearningRateSchedule;
import org.junit.jupiter.api.Test;

/** Shorter teacher recipes for trying notebooks out. */
class TeacherRecipeTest {

    @Test
    void fewerStepsScaleTheWarmUpAndKeepEverythingElse() {
        TeacherRecipe standard = TeacherRecipe.standard();
        TeacherRecipe quick = standard.withSteps(30);
        assertEquals(new LearningRateSchedule(3e-3, 3e-4, 3, 30), quick.training().schedule());
        assertEquals(standard.config(), quick.config());
        assertEquals(standard.seed(), quick.seed());
        assertEquals(standard.training().withSchedule(quick.training().schedule()), quick.training());
        assertEquals(30L * 16 * 256, quick.tokens());
        assertNotEquals(standard, quick, "another recipe, so another cache entry");
        assertEquals(1, standard.withSteps(1).training().schedule().warmupSteps());
    }

    @Test
    void aTeacherNeedsAStep() {
        TopiaryException e = assertThrows(TopiaryException.class, () -> TeacherRecipe.standard().withSteps(0));
        assertTrue(e.getMessage().contains("at least one pre-training step, got 0"), e.getMessage());
    }
}
