package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The DSL offers only legal calls, checked by compiling snippets against Topiary's classes with javac: what a
 * quantized model or a calibrated pruning cannot do does not compile, where before it failed at run time.
 */
class LegalCallsCompileTest {

    @TempDir
    Path out;

    @Test
    void theLegalChainCompiles() throws IOException {
        assertEquals("", compile("""
                QuantizedModel q = model.prune().withSamples(8).width(0.5).distill(model).quantize(Precision.INT8);
                QuantizedModel g = model.quantize(Gptq.of(QuantScheme.int4(32)).withSamples(8));
                QuantizedModel r = model.quantize(QuantScheme.int4(64));
                Evaluation e = q.evaluate();
                String text = g.generate("hello");
                LanguageModel saved = r.save(Path.of("x"));
                Model sparse = model.prune().magnitude(0.5).prune().nm(2, 4).prune().drop(0);
                Model shared = model.share("adjacent", 2).distill(model);
                QuantizedModel sharedInt8 = model.share(2).quantize(Precision.INT8);
                ExpandedCheckpoint hf = shared.saveExpanded(Path.of("y"));
                """));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "a quantized model is not pruned | model.quantize(Precision.INT8).prune() | cannot find symbol",
            "a quantized model does not share layers | model.quantize(Precision.INT8).share(2) | cannot find symbol",
            "a quantized model is not trained | model.quantize(Precision.INT8).train(Training.steps(1))"
                    + " | cannot find symbol",
            "a quantized model is not distilled | model.quantize(Precision.INT8).distill(model) | cannot find symbol",
            "a quantized model is not quantized again | model.quantize(Precision.INT8).quantize(Precision.INT4)"
                    + " | cannot find symbol",
            "quantizing gives a quantized model | Model m = model.quantize(Precision.INT8) | incompatible types",
            "a quantized model is no teacher | model.distill(model.quantize(Precision.INT8)) | incompatible types",
            "magnitude pruning takes no calibration data | model.prune().withSamples(8).magnitude(0.5)"
                    + " | cannot find symbol",
            "N:M by magnitude takes no calibration data | model.prune().withData(null).nm(2, 4) | cannot find symbol",
            "explicit layer drops take no calibration data | model.prune().withSamples(8).drop(0)"
                    + " | cannot find symbol",
            "round to nearest takes no calibration data | new RoundToNearest(QuantScheme.INT8).withSamples(8)"
                    + " | cannot find symbol",
            "only INT4 has a group size | Gptq.of(Precision.INT8).withGroupSize(32) | cannot find symbol"})
    void anIllegalCallDoesNotCompile(String what, String call, String error) throws IOException {
        String errors = compile(call + ";");
        assertTrue(errors.contains(error), what + ": expected '" + error + "', javac said: " + errors);
    }

    /** javac's diagnostics for {@code body} inside a method with a {@code Model model} in scope; "" when it compiles. */
    private String compile(String body) throws IOException {
        String source = """
                import dev.topiary.*;
                import dev.topiary.quant.QuantScheme;
                import java.nio.file.Path;
                class Snippet {
                    void run(Model model) {
                %s
                    }
                }
                """.formatted(body);
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Snippet.java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        Files.createDirectories(out);
        boolean compiled = javac.getTask(diagnostics, null, null, List.of("-proc:none", "-d", out.toString(),
                "-classpath", System.getProperty("java.class.path")), null, List.of(file)).call();
        return compiled ? "" : diagnostics.toString();
    }
}
