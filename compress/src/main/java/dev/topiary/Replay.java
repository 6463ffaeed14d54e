package dev.topiary;

import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Makes the model of a {@link Lineage} again: opens the origin and applies every step in order
 * ({@code step.apply(model, replay)}). A distillation's teacher is made from its own lineage, reusing any model
 * this replay has already made (as when the teacher is the student's origin).
 *
 * <pre>{@code
 * Lineage recipe = Lineage.read(Path.of("student/recipe.json"));
 * try (LanguageModel again = Replay.of(recipe)) {
 *     System.out.println(recipe.differences(again.lineage(), 0));
 * }
 * }</pre>
 */
public final class Replay {

    private final Map<Lineage, LanguageModel> made = new HashMap<>();

    private Replay() {}

    /**
     * The model {@code lineage} describes, made again; intermediate models are closed and the caller owns the result.
     *
     * @throws TopiaryException when data or a checkpoint the recipe names is missing or has changed
     */
    public static LanguageModel of(Lineage lineage) {
        Replay replay = new Replay();
        LanguageModel result = replay.model(lineage);
        Set<LanguageModel> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        kept.add(result);
        replay.made.values().stream().filter(m -> !kept.contains(m)).forEach(LanguageModel::close);
        return result;
    }

    /** The model of {@code lineage}, made once per replay. */
    LanguageModel model(Lineage lineage) {
        LanguageModel known = made.get(lineage);
        if (known != null) {
            return known;
        }
        LanguageModel model;
        if (lineage.entries().isEmpty()) {
            model = open(lineage.origin());
        } else {
            LanguageModel before = model(lineage.withoutLast());
            Step step = lineage.last().step();
            if (!(before instanceof Model floating)) {
                throw new TopiaryException("the recipe applies " + step.verb() + " to a quantized model ("
                        + before.lineage().summary() + "); only floating-point models are compressed further");
            }
            model = step.apply(floating, this);
        }
        made.put(lineage, model);
        return model;
    }

    private static LanguageModel open(Origin origin) {
        if (origin instanceof Origin.EmbeddedTeacher teacher) {
            return Model.embeddedTeacher(teacher.recipe());
        }
        if (origin instanceof Origin.Random random) {
            return Model.random(random.config(), random.seed());
        }
        Origin.Checkpoint checkpoint = (Origin.Checkpoint) origin;
        LanguageModel model = LanguageModel.load(checkpoint.directory());
        try {
            checkpoint.checkUnchanged();
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return model;
    }
}
