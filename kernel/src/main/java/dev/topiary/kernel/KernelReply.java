package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reply the kernel sends to a shell or control request, as a value. Its {@link #content()} is the JSON object
 * that Jupyter's messaging protocol defines for it, {@code status} first, which the kernel hands to basekernel to
 * send as it is.
 */
sealed interface KernelReply {

    /** The content as plain maps, lists, strings, numbers and booleans, in the order its fields are sent. */
    Map<String, Object> content();

    /** A content that begins with {@code status}. */
    private static Map<String, Object> withStatus(String status) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("status", status);
        return content;
    }

    /** Who the kernel is: Topiary {@code implementationVersion}, speaking Java {@code javaVersion}. */
    record KernelInfo(String implementationVersion, String javaVersion) implements KernelReply {

        @Override
        public Map<String, Object> content() {
            Map<String, Object> language = new LinkedHashMap<>();
            language.put("name", "java");
            language.put("version", javaVersion);
            language.put("mimetype", "text/x-java-source");
            language.put("file_extension", ".jshell");
            language.put("pygments_lexer", "java");
            language.put("codemirror_mode", "text/x-java");
            Map<String, Object> info = withStatus("ok");
            info.put("protocol_version", KernelServer.PROTOCOL_VERSION);
            info.put("implementation", "topiary");
            info.put("implementation_version", implementationVersion);
            info.put("language_info", language);
            info.put("banner", "Topiary " + implementationVersion + " on Java " + javaVersion
                    + ": the compression DSL is imported (Model, Precision, ...)");
            info.put("help_links", List.of());
            return info;
        }
    }

    /** A cell that ran, with the results of the request's user expressions by name. */
    record ExecuteOk(int executionCount, Map<String, UserExpression> userExpressions) implements KernelReply {

        public ExecuteOk {
            userExpressions = new LinkedHashMap<>(userExpressions);
        }

        @Override
        public Map<String, Object> content() {
            Map<String, Object> expressions = new LinkedHashMap<>();
            userExpressions.forEach((name, e) -> expressions.put(name, e.content()));
            Map<String, Object> content = withStatus("ok");
            content.put("execution_count", executionCount);
            content.put("user_expressions", expressions);
            content.put("payload", List.of());
            return content;
        }
    }

    /** A cell that failed with {@code error}. */
    record ExecuteError(int executionCount, CellResult.Error error) implements KernelReply {

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus("error");
            content.put("execution_count", executionCount);
            content.putAll(errorFields(error));
            return content;
        }

        /** {@code ename}, {@code evalue} and {@code traceback}: also the content of the IOPub {@code error}. */
        static Map<String, Object> errorFields(CellResult.Error error) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("ename", error.name());
            fields.put("evalue", error.message());
            fields.put("traceback", error.traceback());
            return fields;
        }
    }

    /** A queued cell not run because an earlier one failed with {@code stop_on_error}. */
    record ExecuteAborted(int executionCount) implements KernelReply {

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus("aborted");
            content.put("execution_count", executionCount);
            return content;
        }
    }

    /**
     * How one user expression of an execute request ended: its plain value or its error. Part of
     * {@link ExecuteOk}, not a reply of its own.
     */
    record UserExpression(CellResult result) {

        Map<String, Object> content() {
            if (!result.succeeded()) {
                Map<String, Object> content = withStatus("error");
                content.putAll(ExecuteError.errorFields(result.error()));
                return content;
            }
            Map<String, Object> content = withStatus("ok");
            content.put("data", result.value() == null ? Map.of() : result.value().data());
            content.put("metadata", Map.of());
            return content;
        }
    }

    /** Completions replacing the code points {@code [cursorStart, cursorEnd)}. */
    record Complete(List<String> matches, int cursorStart, int cursorEnd) implements KernelReply {

        public Complete {
            matches = List.copyOf(matches);
        }

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus("ok");
            content.put("matches", matches);
            content.put("cursor_start", cursorStart);
            content.put("cursor_end", cursorEnd);
            content.put("metadata", Map.of());
            return content;
        }
    }

    /** What inspection found: signatures and javadoc as plain text, empty when nothing. */
    record Inspect(String text) implements KernelReply {

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus("ok");
            content.put("found", !text.isEmpty());
            content.put("data", text.isEmpty() ? Map.of() : Map.of(MimeBundle.PLAIN, text));
            content.put("metadata", Map.of());
            return content;
        }
    }

    /**
     * Whether code is ready to run: {@code status} is "complete", "incomplete" (then the next line is indented)
     * or "invalid"; here the status is the answer, not the outcome of the request.
     */
    record IsComplete(String status) implements KernelReply {

        /** The indent suggested for the next line of incomplete code. */
        static final String INDENT = "    ";

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus(status);
            if (status.equals("incomplete")) {
                content.put("indent", INDENT);
            }
            return content;
        }
    }

    /** History entries as (session, line, input) tuples, or (session, line, (input, output)) with outputs. */
    record HistoryEntries(List<History.Entry> entries, boolean withOutput) implements KernelReply {

        public HistoryEntries {
            entries = List.copyOf(entries);
        }

        @Override
        public Map<String, Object> content() {
            List<List<Object>> rows = new ArrayList<>();
            for (History.Entry e : entries) {
                Object cell = withOutput ? Arrays.asList(e.input(), e.output()) : e.input();
                rows.add(List.of(History.SESSION, e.line(), cell));
            }
            Map<String, Object> content = withStatus("ok");
            content.put("history", rows);
            return content;
        }
    }

    /** The comms open: Topiary offers no comm targets, so none. */
    record CommInfo() implements KernelReply {

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus("ok");
            content.put("comms", Map.of());
            return content;
        }
    }

    /** The running cell was told to stop. */
    record Interrupt() implements KernelReply {

        @Override
        public Map<String, Object> content() {
            return withStatus("ok");
        }
    }

    /** The kernel shuts down, to be started again when {@code restart}. */
    record Shutdown(boolean restart) implements KernelReply {

        @Override
        public Map<String, Object> content() {
            Map<String, Object> content = withStatus("ok");
            content.put("restart", restart);
            return content;
        }
    }
}
