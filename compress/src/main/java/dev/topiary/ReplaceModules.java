package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.prune.DepthPruner;
import dev.topiary.replace.ReplacingObjective;
import dev.topiary.train.Objective;
import dev.topiary.train.TrainingProgress;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/** Module replacing ({@link Model#replaceModules}), resolved: the model it applies to is the predecessor. */
public record ReplaceModules(ModuleReplacing replacing) implements Step {

    @Override
    public String verb() {
        return "replace";
    }

    @Override
    public Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /**
     * The successor of {@code predecessor}: one layer per module, initialised from the module's first layer, trained
     * inside the frozen predecessor, then fine-tuned alone (taught by the predecessor when the loss is its KL). The
     * predecessor is left as it was.
     *
     * @throws TopiaryException before any work when the predecessor's layers do not fall into whole modules, or share
     *     weights
     */
    public Model apply(Model predecessor) {
        predecessor.checkNoExits("replaceModules");
        predecessor.config().checkUnshared("module replacing");
        replacing.checkPredecessor(predecessor.config());
        int[] dropped = laterLayersOfEachModule(predecessor.config().numHiddenLayers());
        Llama successor = DepthPruner.drop(predecessor.llama(), dropped);
        try {
            Objective hybrid = new ReplacingObjective(predecessor.llama(), replacing.schedule(), replacing.loss(),
                    replacing.seed());
            Training replacingPhase = replacing.training();
            List<TrainingProgress> curve = new ArrayList<>(Fitting.fit(successor, layerParameters(successor), hybrid,
                    replacingPhase, 0, "replace"));
            List<TrainingProgress> last = curve;
            if (replacing.fineTuningSteps() > 0) {
                last = Fitting.fit(successor, successor.parameters().keySet(),
                        replacing.loss().fineTuning(predecessor.llama()), replacing.fineTuning(),
                        replacingPhase.totalSteps(), "replace: fine-tuning");
                curve.addAll(last);
            }
            long tokens = replacingPhase.totalTokens()
                    + (replacing.fineTuningSteps() > 0 ? replacing.fineTuning().totalTokens() : 0);
            StepMetrics metrics = new StepMetrics.Trained(Fitting.finalLoss(last), tokens, null);
            return predecessor.derived(successor, this, metrics, predecessor.derivation().dropLayers(dropped), curve);
        } catch (RuntimeException e) {
            successor.close();
            throw e;
        } finally {
            Reference.reachabilityFence(predecessor);
        }
    }

    /** Every layer but the first of each module: what the successor does not start from. */
    private int[] laterLayersOfEachModule(int layers) {
        return IntStream.range(0, layers).filter(l -> l % replacing.layersPerModule() != 0).toArray();
    }

    /** The successor's layer parameters: all but the embedding, final norm and head it shares with the predecessor. */
    private static Set<String> layerParameters(Llama successor) {
        Set<String> names = new HashSet<>(successor.parameters().keySet());
        names.removeAll(Set.of(LlamaLayout.EMBED_TOKENS, LlamaLayout.FINAL_NORM, LlamaLayout.LM_HEAD));
        return names;
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        json.set("replacing", replacing.toJson());
        return json;
    }

    static ReplaceModules fromJson(JsonNode json) {
        return new ReplaceModules(ModuleReplacing.fromJson(json.path("replacing")));
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Trained.fromJson(json);
    }

    @Override
    public String toString() {
        return "replace modules: " + replacing;
    }
}
