package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Replies serialise to the JSON the kernel sent when it built them as maps: each expected map below is built as
 * {@code KernelServer} built it before the replies were typed ({@code "status"} first, then the fields in order).
 */
class KernelReplyTest {

    private static final Gson GSON = new Gson();

    private static Map<String, Object> withStatus(String status, Map<String, ?> content) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("status", status);
        reply.putAll(content);
        return reply;
    }

    private static void assertSameJson(Map<String, ?> expected, KernelReply reply) {
        assertEquals(GSON.toJson(expected), GSON.toJson(reply.content()));
    }

    @Test
    void kernelInfo() {
        Map<String, Object> language = new LinkedHashMap<>();
        language.put("name", "java");
        language.put("version", "17.0.9+9");
        language.put("mimetype", "text/x-java-source");
        language.put("file_extension", ".jshell");
        language.put("pygments_lexer", "java");
        language.put("codemirror_mode", "text/x-java");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("protocol_version", "5.3");
        info.put("implementation", "topiary");
        info.put("implementation_version", "0.1.0");
        info.put("language_info", language);
        info.put("banner", "Topiary 0.1.0 on Java 17.0.9+9: the compression DSL is imported (Model, Precision, ...)");
        info.put("help_links", List.of());
        assertSameJson(withStatus("ok", info), new KernelReply.KernelInfo("0.1.0", "17.0.9+9"));
    }

    @Test
    void executeRepliesWithUserExpressionsErrorsAndAborts() {
        CellResult.Error error = new CellResult.Error("IllegalStateException", "no", List.of("line 1", "at x"));
        Map<String, Object> okValue = new LinkedHashMap<>();
        okValue.put("status", "ok");
        okValue.put("data", Map.of(MimeBundle.PLAIN, "2"));
        okValue.put("metadata", Map.of());
        Map<String, Object> failedValue = new LinkedHashMap<>();
        failedValue.put("status", "error");
        failedValue.put("ename", error.name());
        failedValue.put("evalue", error.message());
        failedValue.put("traceback", error.traceback());
        Map<String, Object> expressions = new LinkedHashMap<>();
        expressions.put("two", okValue);
        expressions.put("bad", failedValue);
        Map<String, Object> ok = new LinkedHashMap<>();
        ok.put("execution_count", 3);
        ok.put("user_expressions", expressions);
        ok.put("payload", List.of());
        Map<String, KernelReply.UserExpression> results = new LinkedHashMap<>();
        results.put("two", new KernelReply.UserExpression(CellResult.ok(MimeBundle.text("2"))));
        results.put("bad", new KernelReply.UserExpression(CellResult.failed(error)));
        assertSameJson(withStatus("ok", ok), new KernelReply.ExecuteOk(3, results));

        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("execution_count", 4);
        failed.put("ename", error.name());
        failed.put("evalue", error.message());
        failed.put("traceback", error.traceback());
        assertSameJson(withStatus("error", failed), new KernelReply.ExecuteError(4, error));
        assertSameJson(withStatus("aborted", Map.of("execution_count", 4)), new KernelReply.ExecuteAborted(4));
    }

    @Test
    void completionInspectionAndCompleteness() {
        Map<String, Object> complete = new LinkedHashMap<>();
        complete.put("matches", List.of("toUpperCase(", "toString("));
        complete.put("cursor_start", 9);
        complete.put("cursor_end", 11);
        complete.put("metadata", Map.of());
        assertSameJson(withStatus("ok", complete), new KernelReply.Complete(List.of("toUpperCase(", "toString("),
                9, 11));

        Map<String, Object> found = new LinkedHashMap<>();
        found.put("found", true);
        found.put("data", Map.of(MimeBundle.PLAIN, "String String.toUpperCase()"));
        found.put("metadata", Map.of());
        assertSameJson(withStatus("ok", found), new KernelReply.Inspect("String String.toUpperCase()"));
        Map<String, Object> nothing = new LinkedHashMap<>();
        nothing.put("found", false);
        nothing.put("data", Map.of());
        nothing.put("metadata", Map.of());
        assertSameJson(withStatus("ok", nothing), new KernelReply.Inspect(""));

        Map<String, Object> incomplete = new LinkedHashMap<>();
        incomplete.put("status", "incomplete");
        incomplete.put("indent", "    ");
        assertSameJson(incomplete, new KernelReply.IsComplete("incomplete"));
        assertSameJson(Map.of("status", "invalid"), new KernelReply.IsComplete("invalid"));
    }

    @Test
    void historyIsTuplesAndTheOtherRepliesCarryTheirStatus() {
        List<History.Entry> entries = List.of(new History.Entry(1, "1 + 1", "2"), new History.Entry(2, "int x;", null));
        for (boolean withOutput : new boolean[] {false, true}) {
            List<List<Object>> rows = new ArrayList<>();
            for (History.Entry e : entries) {
                Object cell = withOutput ? Arrays.asList(e.input(), e.output()) : e.input();
                rows.add(List.of(History.SESSION, e.line(), cell));
            }
            assertSameJson(withStatus("ok", Map.of("history", rows)),
                    new KernelReply.HistoryEntries(entries, withOutput));
        }
        assertEquals("{\"status\":\"ok\",\"history\":[[1,2,[\"int x;\",null]]]}",
                GSON.toJson(new KernelReply.HistoryEntries(entries.subList(1, 2), true).content()),
                "an entry without output is a tuple with null, as Jupyter's history has it");
        assertSameJson(withStatus("ok", Map.of("comms", Map.of())), new KernelReply.CommInfo());
        assertSameJson(withStatus("ok", Map.of()), new KernelReply.Interrupt());
        assertSameJson(withStatus("ok", Map.of("restart", true)), new KernelReply.Shutdown(true));
    }
}
