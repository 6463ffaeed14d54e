package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.topiary.kernel.magic.Magic;
import dev.topiary.kernel.magic.TimeMagic;
import dev.topiary.kernel.testlibrary.GreetMagic;
import dev.topiary.kernel.testlibrary.GreetingLibrary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Libraries found on the class path, as {@link dev.topiary.kernel.testlibrary.GreetingLibrary} is. */
class KernelLibraryTest {

    @Test
    void librariesAreFoundThroughTheServiceFilesInTheOrderOfTheirNames() {
        List<Class<?>> found = KernelLibrary.load(getClass().getClassLoader(), problem -> fail(problem)).stream()
                .<Class<?>>map(Object::getClass).toList();
        assertEquals(List.of(JdkLibrary.class, TopiaryLibrary.class, GreetingLibrary.class), found);
    }

    @Test
    void aCellSeesTheImportTheRendererAndTheMagicOfALibrary() {
        try (JShellSession session = new JShellSession()) {
            RecordingOutput out = new RecordingOutput();
            CellResult r = session.execute("%greet notebook\nnew Greeting(\"cell\")", out);
            assertTrue(r.succeeded(), String.valueOf(r.error()));
            assertEquals("hello, notebook\n", out.stream("stdout"), "the magic ran");
            assertEquals("<b>hello, cell</b>", r.value().data().get(MimeBundle.HTML), "imported and rendered");
            assertEquals("hello, cell", r.value().plain());

            out = new RecordingOutput();
            assertTrue(session.execute("display(new Greeting(\"display\"));", out).succeeded());
            assertEquals("hello, display", out.of("display").get(0).text(), "display(...) renders alike");

            out = new RecordingOutput();
            session.execute("%lsmagic", out);
            String listed = out.stream("stdout");
            assertTrue(listed.indexOf("%lsmagic") < listed.indexOf("%greet") && listed.endsWith(
                    "%greet\n    %greet NAME: say hello\n"), listed);

            // Shift-Tab on the extension points shows their javadoc, read from the sources beside the classes.
            String type = "dev.topiary.kernel.KernelLibrary";
            String doc = session.inspect(type, type.length());
            assertTrue(doc.contains("What a library brings to every notebook session"), doc);
        }
    }

    @Test
    void twoLibrariesMayNotDefineOneMagic() {
        KernelLibrary timing = new KernelLibrary() {
            @Override
            public List<Magic> magics() {
                return List.of(new TimeMagic(), new GreetMagic());
            }
        };
        Magics magics = new Magics(null);
        magics.add(new TopiaryLibrary());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> magics.add(timing));
        assertTrue(e.getMessage().startsWith("%time is defined by both dev.topiary.kernel.TopiaryLibrary and "),
                e.getMessage());
        assertEquals(List.of("time", "jars", "maven", "jshell", "lsmagic", "figures"), magics.all().stream().map(Magic::name)
                .toList(), "none of the clashing library's magics is added");
    }
}
