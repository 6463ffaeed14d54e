package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which registered renderer shows a value. */
class RendererRegistryTest {

    interface Shape {}

    interface Named {}

    interface Round extends Shape {}

    record Disc() implements Round, Named {}

    private static ValueRenderer<Object> saying(String text) {
        return (value, renderer) -> MimeBundle.text(text);
    }

    @Test
    void theMostSpecificTypeWinsWhateverTheRegistrationOrder() {
        Renderer renderer = new Renderer();
        renderer.register(Collection.class, saying("collection"));
        renderer.register(ArrayList.class, saying("array list"));
        renderer.register(List.class, saying("list"));
        assertEquals("array list", renderer.render(new ArrayList<>()).plain());
        assertEquals("list", renderer.render(List.of(1)).plain());
        assertEquals("collection", renderer.render(java.util.Set.of(1)).plain());
    }

    @Test
    void betweenUnrelatedTypesTheFirstRegisteredWins() {
        Renderer renderer = new Renderer();
        renderer.register(Shape.class, saying("shape"));
        renderer.register(Named.class, saying("named"));
        renderer.register(Round.class, saying("round"));
        // Round is more specific than Shape, but neither it nor Named is more specific than the other.
        assertEquals("named", renderer.render(new Disc()).plain());
    }

    @Test
    void aValueNoRendererTakesIsShownAsJShellPrintsIt() {
        Renderer renderer = new Renderer();
        renderer.register(Shape.class, saying("shape"));
        assertEquals("\"text\"", renderer.render("text").plain());
        assertEquals("null", renderer.render(null).plain());
        assertEquals(MimeBundle.text("\"text\""), renderer.render("text"));
    }

    @Test
    void aResourceIsFirstOnThePageOnce() {
        Renderer renderer = new Renderer();
        assertEquals(List.of(true, false, true), List.of(renderer.firstOnPage("a"), renderer.firstOnPage("a"),
                renderer.firstOnPage("b")));
    }
}
