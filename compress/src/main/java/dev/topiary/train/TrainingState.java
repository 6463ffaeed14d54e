package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.engine.InPlace;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.CheckpointReader;
import dev.topiary.io.IoErrors;
import dev.topiary.io.Overwrite;
import dev.topiary.io.SafetensorsReader;
import dev.topiary.io.SafetensorsWriter;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A training run saved mid-way, enough to continue it exactly: {@code model/} (a Hugging Face checkpoint in fp32),
 * {@code optimizer.safetensors} (AdamW's moments) and {@code trainer.json} (step, tokens, loss scale and the
 * options the run was started with). The directory is written atomically.
 */
public final class TrainingState {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "model";
    private static final String OPTIMIZER = "optimizer.safetensors";
    private static final String TRAINER = "trainer.json";

    private TrainingState() {}

    /** Saves {@code trainer}'s run to {@code dir}, replacing what was there. */
    public static void save(Trainer trainer, Path dir) {
        AtomicDirectory.write(dir, "training state", Overwrite.TOPIARY_OUTPUT, tmp -> {
            LlamaCheckpoint.save(trainer.model(), tmp.resolve(MODEL), TensorDType.F32);
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER), trainer.optimizer().state(), TensorDType.F32,
                    Map.of("optimizer_steps", Long.toString(trainer.optimizer().steps())));
            ObjectNode json = JSON.createObjectNode();
            json.put("step", trainer.step());
            json.put("tokens", trainer.tokens());
            json.put("loss_scale", trainer.scaler().scale());
            json.put("good_steps", trainer.scaler().goodSteps());
            json.put("optimizer_steps", trainer.optimizer().steps());
            json.set("options", JSON.valueToTree(trainer.options()));
            Files.writeString(tmp.resolve(TRAINER), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        });
    }

    /**
     * Puts {@code trainer} (made for the same model architecture and options) at the point saved in {@code dir}:
     * weights, optimizer moments, step and loss scale.
     *
     * @throws TopiaryException when the state is missing or was saved by a run with another architecture or options
     */
    public static void restore(Trainer trainer, Path dir) {
        Path json = dir.resolve(TRAINER);
        if (!Files.isRegularFile(json)) {
            throw new TopiaryException("no training state in " + dir + ": " + TRAINER + " is missing");
        }
        LlamaConfig saved = LlamaConfig.read(dir.resolve(MODEL));
        LlamaConfig current = trainer.model().config();
        if (!sameArchitecture(saved, current)) {
            throw new TopiaryException("training state " + dir + " was saved for " + saved + ", not for this model ("
                    + current + ")");
        }
        try {
            JsonNode state = JSON.readTree(json.toFile());
            TrainingOptions options = JSON.treeToValue(state.get("options"), TrainingOptions.class);
            if (!options.equals(trainer.options())) {
                throw new TopiaryException("training state " + dir + " was saved by a run with options " + options
                        + ", not " + trainer.options());
            }
            copyWeights(trainer, dir.resolve(MODEL));
            try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve(OPTIMIZER));
                    NDManager staging = trainer.model().manager().newSubManager()) {
                Map<String, NDArray> values = new LinkedHashMap<>();
                for (String name : reader.tensors().keySet()) {
                    values.put(name, reader.read(name, staging, DataType.FLOAT32));
                }
                trainer.optimizer().restore(values, state.get("optimizer_steps").asLong());
            }
            trainer.resumeAt(state.get("step").asLong(), state.get("tokens").asLong(),
                    new LossScaler(state.get("loss_scale").asDouble(), state.get("good_steps").asInt()));
        } catch (IOException e) {
            throw new TopiaryException("cannot read training state " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    private static boolean sameArchitecture(LlamaConfig a, LlamaConfig b) {
        return a.toBuilder().optTorchDtype(null).build().equals(b.toBuilder().optTorchDtype(null).build());
    }

    private static void copyWeights(Trainer trainer, Path modelDir) throws IOException {
        try (CheckpointReader reader = CheckpointReader.open(modelDir)) {
            for (Map.Entry<String, NDArray> e : trainer.model().parameters().entrySet()) {
                NDArray live = e.getValue();
                try (NDManager staging = trainer.model().manager().newSubManager()) {
                    InPlace.copy(reader.read(e.getKey(), staging, live.getDataType()), live);
                }
            }
        }
    }
}
