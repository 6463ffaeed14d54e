package dev.topiary.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A named list of multiple-choice items. On disk it is JSONL, one item per line:
 * {@code {"context": "...", "choices": [" a", " b", ...], "answer": 1}}.
 */
public record MultipleChoiceTask(String name, List<MultipleChoiceItem> items) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public MultipleChoiceTask {
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("task " + name + " has no items");
        }
    }

    /**
     * Reads a JSONL task; its name is the file name without extension.
     *
     * @throws TopiaryException naming the file and line of a malformed item
     */
    public static MultipleChoiceTask readJsonl(Path file) {
        List<MultipleChoiceItem> items = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int lineNumber = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lineNumber++;
                if (!line.isBlank()) {
                    items.add(parse(line, file, lineNumber));
                }
            }
        } catch (NoSuchFileException e) {
            throw new TopiaryException("task file not found: " + file);
        } catch (CharacterCodingException e) {
            throw new TopiaryException(file + ":" + (lineNumber + 1) + ": not valid UTF-8");
        } catch (IOException e) {
            throw new TopiaryException("cannot read task file " + file + ": " + IoErrors.describe(e), e);
        }
        if (items.isEmpty()) {
            throw new TopiaryException(file + " holds no items");
        }
        String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
        return new MultipleChoiceTask(name, items);
    }

    private static MultipleChoiceItem parse(String line, Path file, int lineNumber) {
        String where = file + ":" + lineNumber;
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (IOException e) {
            throw new TopiaryException(where + ": not a JSON object");
        }
        if (node == null || !node.isObject()) {
            throw new TopiaryException(where + ": not a JSON object");
        }
        JsonNode context = node.get("context");
        JsonNode choices = node.get("choices");
        JsonNode answer = node.get("answer");
        if (context == null || !context.isTextual()) {
            throw new TopiaryException(where + ": field 'context' must be a string");
        }
        if (choices == null || !choices.isArray()) {
            throw new TopiaryException(where + ": field 'choices' must be a list of strings");
        }
        if (answer == null || !answer.isIntegralNumber()) {
            throw new TopiaryException(where + ": field 'answer' must be the index of the right choice");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode c : choices) {
            if (!c.isTextual()) {
                throw new TopiaryException(where + ": field 'choices' must be a list of strings");
            }
            texts.add(c.asText());
        }
        try {
            return new MultipleChoiceItem(context.asText(), texts, answer.asInt());
        } catch (IllegalArgumentException e) {
            throw new TopiaryException(where + ": " + e.getMessage());
        }
    }
}
