package dev.topiary;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** JSON helpers the recipe records share. */
final class Json {

    private Json() {}

    /** A JSON object whose first field is {@code name: value}. */
    static ObjectNode object(String name, String value) {
        return JsonNodeFactory.instance.objectNode().put(name, value);
    }

    /** A step's JSON object: its verb, then its method. */
    static ObjectNode step(String verb, String method) {
        return object("verb", verb).put("method", method);
    }
}
