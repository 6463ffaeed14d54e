package dev.topiary.distill;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Minitron's optional hidden-state distillation term: {@code weight} times the mean, over student layers and token
 * positions, of {@code 1 - cos(student layer output, P(teacher layer output))}.
 *
 * <p>Student layer {@code i} is matched to teacher layer {@code layerMap[i]} (by default, for equal depths, layer
 * {@code i}; a depth-pruned student passes the teacher layers it kept). {@code P} projects the teacher's hidden size
 * onto the student's: since Topiary's students are pruned from their teacher, it is a channel selection, student
 * channel {@code c} being teacher channel {@code teacherChannels[c]} (the hidden channels width pruning kept,
 * {@code WidthSelection.hiddenChannels()}); by default, for equal widths, the identity.
 *
 * <p>Immutable: arrays are copied in and out. How the map and channels fit a teacher and a student is checked by
 * {@link DistillationObjective#checkStudent(LlamaConfig)}.
 *
 * @param weight multiplies the mean cosine distance; positive
 * @param layerMap for each student layer, the teacher layer it is matched to; null for the identity
 * @param teacherChannels for each student hidden channel, the teacher channel it is compared with; null for the
 *     identity
 */
public record HiddenStateLoss(double weight, int[] layerMap, int[] teacherChannels) {

    /**
     * @throws TopiaryException when the weight is not positive and finite, or the map or channels are empty
     */
    public HiddenStateLoss {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new TopiaryException("the hidden-state loss weight must be positive and finite, got " + weight);
        }
        if (layerMap != null && layerMap.length == 0) {
            throw new TopiaryException("the hidden-state layer map is empty: give one teacher layer per student layer");
        }
        if (teacherChannels != null && teacherChannels.length == 0) {
            throw new TopiaryException("no teacher channels given: give one teacher hidden channel per student channel");
        }
        layerMap = layerMap == null ? null : layerMap.clone();
        teacherChannels = teacherChannels == null ? null : teacherChannels.clone();
    }

    /** The term with identity layer map and projection, for a student as deep and as wide as its teacher. */
    public static HiddenStateLoss of(double weight) {
        return new HiddenStateLoss(weight, null, null);
    }

    /** This term matching student layer {@code i} to teacher layer {@code teacherLayers[i]}. */
    public HiddenStateLoss withLayerMap(int... teacherLayers) {
        return new HiddenStateLoss(weight, teacherLayers, teacherChannels);
    }

    /** This term comparing student hidden channel {@code c} with teacher channel {@code channels[c]}. */
    public HiddenStateLoss withTeacherChannels(int... channels) {
        return new HiddenStateLoss(weight, layerMap, channels);
    }

    @Override
    public int[] layerMap() {
        return layerMap == null ? null : layerMap.clone();
    }

    @Override
    public int[] teacherChannels() {
        return teacherChannels == null ? null : teacherChannels.clone();
    }

    /**
     * Checks that the layer map and channels fit a teacher and a student.
     *
     * @throws TopiaryException naming what does not fit and what is needed
     */
    void check(LlamaConfig teacher, LlamaConfig student) {
        int teacherLayers = teacher.numHiddenLayers();
        int studentLayers = student.numHiddenLayers();
        if (layerMap == null && teacherLayers != studentLayers) {
            throw new TopiaryException("the student has " + studentLayers + " layers and the teacher "
                    + teacherLayers + ": the hidden-state loss needs a layer map naming the teacher layer of each"
                    + " student layer (for a depth-pruned student, the teacher layers it kept)");
        }
        if (layerMap != null && layerMap.length != studentLayers) {
            throw new TopiaryException("the hidden-state layer map has " + layerMap.length + " entries but the student"
                    + " has " + studentLayers + " layers: give one teacher layer per student layer");
        }
        for (int i = 0; layerMap != null && i < layerMap.length; i++) {
            if (layerMap[i] < 0 || layerMap[i] >= teacherLayers) {
                throw new TopiaryException("the hidden-state layer map matches student layer " + i + " to teacher"
                        + " layer " + layerMap[i] + ", out of range [0, " + teacherLayers + ")");
            }
        }
        int teacherWidth = teacher.hiddenSize();
        int studentWidth = student.hiddenSize();
        if (teacherChannels == null && teacherWidth != studentWidth) {
            throw new TopiaryException("the teacher's hidden size (" + teacherWidth + ") differs from the student's ("
                    + studentWidth + "): the hidden-state loss needs the teacher channels the student kept (the"
                    + " hidden channels of the width pruning, WidthSelection.hiddenChannels())");
        }
        if (teacherChannels != null && teacherChannels.length != studentWidth) {
            throw new TopiaryException("the hidden-state loss selects " + teacherChannels.length + " teacher channels"
                    + " but the student's hidden size is " + studentWidth + ": give one teacher channel per student"
                    + " channel");
        }
        for (int c = 0; teacherChannels != null && c < teacherChannels.length; c++) {
            if (teacherChannels[c] < 0 || teacherChannels[c] >= teacherWidth) {
                throw new TopiaryException("teacher channel " + teacherChannels[c] + " of the hidden-state loss is"
                        + " out of range [0, " + teacherWidth + ")");
            }
        }
    }

    /** The teacher layer of each of the student's {@code studentLayers} layers, the map resolved. */
    int[] resolvedLayerMap(int studentLayers) {
        return layerMap == null ? IntStream.range(0, studentLayers).toArray() : layerMap.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HiddenStateLoss other && Double.compare(weight, other.weight) == 0
                && Arrays.equals(layerMap, other.layerMap) && Arrays.equals(teacherChannels, other.teacherChannels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Double.hashCode(weight) + Arrays.hashCode(layerMap)) + Arrays.hashCode(teacherChannels);
    }

    @Override
    public String toString() {
        return "HiddenStateLoss{weight " + weight + ", layer map "
                + (layerMap == null ? "identity" : Arrays.toString(layerMap)) + ", teacher channels "
                + (teacherChannels == null ? "all" : teacherChannels.length + " selected") + "}";
    }
}
