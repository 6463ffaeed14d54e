package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;

/**
 * Keys and values of every layer for the positions decoded so far, so that each new token attends to the past
 * without recomputing it. Owns its arrays; close it when the sequence is done.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Positions held so far: the position the next token will take. */
    public int length() {
        return length;
    }

    /**
     * Appends one layer's new keys and values ({@code [B, KV, T, headDim]}) and returns the layer's full keys and
     * values including them. The stored arrays leave any NDScope so they outlive the step that made them.
     */
    NDArray[] append(int layer, NDArray newKeys, NDArray newValues) {
        NDArray k = keys[layer] == null ? newKeys : keys[layer].concat(newKeys, 2);
        NDArray v = values[layer] == null ? newValues : values[layer].concat(newValues, 2);
        keep(k);
        keep(v);
        if (keys[layer] != null && keys[layer] != k) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = k;
        values[layer] = v;
        return new NDArray[] {k, v};
    }

    /**
     * A new cache of the same length whose row i holds row {@code rows[i]} (int64 {@code [R]}) of this one's keys and
     * values in every layer: one context's cache expanded to the rows of its continuations. This cache stays as it is.
     */
    KvCache selectRows(NDArray rows) {
        KvCache selected = new KvCache(manager.getParentManager(), keys.length);
        NDIndex index = new NDIndex("{}", rows);
        for (int layer = 0; layer < keys.length; layer++) {
            selected.keys[layer] = keys[layer].get(index);
            selected.values[layer] = values[layer].get(index);
            selected.keep(selected.keys[layer]);
            selected.keep(selected.values[layer]);
        }
        selected.length = length;
        return selected;
    }

    private void keep(NDArray array) {
        NDScope.unregister(array);
        array.attach(manager);
    }

    /** Marks {@code tokens} more positions as filled, once every layer has appended them. */
    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        manager.close();
    }
}
