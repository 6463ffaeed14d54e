package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The variable names read from a parameters cell, which {@code topiary run -p} checks its names against. */
class DeclaredVariablesTest {

    @Test
    void readsEveryDeclaratorOfSimpleDeclarations() {
        String cell = """
                int steps = 30;            // int fake = 1;
                var lr = 3e-4, warmup = Math.max(1, steps / 10);
                final String name = "x; int y = 2", path;
                Map<String, Integer> sizes = Map.of("a", 1, "b", 2);
                double[] weights = {0.5, 0.5};
                /* long hidden = 1; */ String text = \"""
                    boolean notOne = true;
                    \""";
                char c = ';';
                """;
        assertEquals(List.of("steps", "lr", "warmup", "name", "path", "sizes", "weights", "text", "c"),
                List.copyOf(DeclaredVariables.in(cell)));
    }

    @Test
    void statementsThatAreNotDeclarationsDeclareNothing() {
        assertEquals(List.of(), List.copyOf(DeclaredVariables.in(
                "steps = 4;\nSystem.out.println(a, b);\nreturn x;\nnew Thread(r).start();\nif (a) b = 1;")));
    }
}
