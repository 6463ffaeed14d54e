package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.List;

/** A cell output that keeps everything, for tests. */
final class RecordingOutput implements CellOutput {

    /** One output event: its kind ("stdout", "stderr", "display", "update", "clear"), text and display id. */
    record Event(String kind, MimeBundle bundle, String text, String displayId) {}

    final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void stream(String name, String text) {
        events.add(new Event(name, null, text, null));
    }

    @Override
    public synchronized void display(MimeBundle bundle, String displayId) {
        events.add(new Event("display", bundle, bundle.plain(), displayId));
    }

    @Override
    public synchronized void updateDisplay(MimeBundle bundle, String displayId) {
        events.add(new Event("update", bundle, bundle.plain(), displayId));
    }

    @Override
    public synchronized void clear(boolean wait) {
        events.add(new Event("clear", null, "", null));
    }

    synchronized String stream(String name) {
        StringBuilder s = new StringBuilder();
        events.stream().filter(e -> e.kind().equals(name)).forEach(e -> s.append(e.text()));
        return s.toString();
    }

    synchronized List<Event> of(String kind) {
        return events.stream().filter(e -> e.kind().equals(kind)).toList();
    }
}
