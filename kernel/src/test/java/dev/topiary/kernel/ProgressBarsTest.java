package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.Progress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bars appear for work that takes a while and end at its final state; quick work leaves none. */
class ProgressBarsTest {

    @Test
    void quickWorkLeavesNoBar() {
        RecordingOutput output = new RecordingOutput();
        ProgressBars bars = new ProgressBars(output);
        for (int done = 0; done <= 5; done++) {
            bars.onProgress(new Progress("loss", done, 5, "batches", ""));
        }
        assertEquals(List.of(), output.events);
    }

    @Test
    void longWorkGetsABarOnceItHasRunAWhileThatEndsAtItsFinalState() throws InterruptedException {
        RecordingOutput output = new RecordingOutput();
        ProgressBars bars = new ProgressBars(output);
        bars.onProgress(new Progress("GPTQ", 0, 8, "sublayers", "layer 0 q/k/v"));
        bars.onProgress(new Progress("GPTQ", 1, 8, "sublayers", "layer 0 o"));
        assertEquals(List.of(), output.events, "not yet: the task has run for less than the delay");
        Thread.sleep(ProgressBars.SHOW_AFTER_MILLIS + 100);
        bars.onProgress(new Progress("GPTQ", 2, 8, "sublayers", "layer 0 gate/up"));
        bars.onProgress(new Progress("GPTQ", 8, 8, "sublayers", "layer 1 down"));
        List<RecordingOutput.Event> shown = output.of("display");
        assertEquals(1, shown.size(), output.events.toString());
        assertTrue(shown.get(0).text().contains("2/8 sublayers"), shown.get(0).text());
        List<RecordingOutput.Event> updates = output.of("update");
        RecordingOutput.Event last = updates.get(updates.size() - 1);
        assertEquals(shown.get(0).displayId(), last.displayId());
        assertTrue(last.text().contains("100%") && last.text().contains("8/8 sublayers"), last.text());
    }
}
