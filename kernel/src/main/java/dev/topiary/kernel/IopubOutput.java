package dev.topiary.kernel;

import io.github.spencerpark.jupyter.channels.JupyterSocket;
import io.github.spencerpark.jupyter.messages.Message;
import io.github.spencerpark.jupyter.messages.MessageContext;
import io.github.spencerpark.jupyter.messages.MessageType;
import java.util.LinkedHashMap;
import java.util.Map;

/** A cell's output as IOPub messages, each with the cell's execute request as parent. */
final class IopubOutput implements CellOutput {

    private final JupyterSocket iopub;
    private final MessageContext parent;

    IopubOutput(JupyterSocket iopub, MessageContext parent) {
        this.iopub = iopub;
        this.parent = parent;
    }

    @Override
    public void stream(String name, String text) {
        publish(MessageType.PUBLISH_STREAM, Map.of("name", name, "text", text));
    }

    @Override
    public void display(MimeBundle bundle, String displayId) {
        publish(MessageType.PUBLISH_DISPLAY_DATA, content(bundle, displayId));
    }

    @Override
    public void updateDisplay(MimeBundle bundle, String displayId) {
        publish(MessageType.PUBLISH_UPDATE_DISPLAY_DATA, content(bundle, displayId));
    }

    @Override
    public void clear(boolean wait) {
        publish(MessageType.PUBLISH_CLEAR_OUTPUT, Map.of("wait", wait));
    }

    /** Publishes {@code content} (plain maps, lists, strings and numbers) as a message of {@code type}. */
    void publish(MessageType<?> type, Map<String, ?> content) {
        iopub.sendMessage(message(parent, type, content));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Message<?> message(MessageContext parent, MessageType<?> type, Map<String, ?> content) {
        return new Message(parent, type, content);
    }

    static Map<String, Object> content(MimeBundle bundle, String displayId) {
        Map<String, Object> content = new LinkedHashMap<>();
        content.put("data", bundle.data());
        content.put("metadata", bundle.metadata());
        content.put("transient", displayId == null ? Map.of() : Map.of("display_id", displayId));
        return content;
    }
}
