package dev.topiary;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.embedded.TeacherRecipe;
import dev.topiary.io.IoErrors;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.train.TrainingOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.stream.Stream;

/** Where a lineage starts: the embedded teacher, a checkpoint on disk, or a random initialisation. */
public sealed interface Origin permits Origin.EmbeddedTeacher, Origin.Checkpoint, Origin.Random {

    ObjectNode toJson();

    /** The origin a recipe records. */
    static Origin fromJson(JsonNode json) {
        String kind = json.path("kind").asText();
        return switch (kind) {
            case "embedded-teacher" -> EmbeddedTeacher.fromJson(json);
            case "checkpoint" -> Checkpoint.fromJson(json);
            case "random" -> new Random(config(json.path("config")), json.path("seed").asLong());
            default -> throw new TopiaryException("unknown origin '" + kind + "' in recipe: expected embedded-teacher,"
                    + " checkpoint or random");
        };
    }

    private static LlamaConfig config(JsonNode json) {
        return LlamaConfig.fromJson(json.toString(), "recipe");
    }

    /** The embedded teacher of a recipe, pre-trained (or found in the cache) on the embedded corpus. */
    record EmbeddedTeacher(TeacherRecipe recipe) implements Origin {

        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public ObjectNode toJson() {
            ObjectNode json = Json.object("kind", "embedded-teacher");
            json.set("config", recipe.config().toJson());
            json.put("seed", recipe.seed());
            json.set("training", JSON.valueToTree(recipe.training()));
            return json;
        }

        static EmbeddedTeacher fromJson(JsonNode json) {
            try {
                TrainingOptions training = JSON.treeToValue(json.path("training"), TrainingOptions.class);
                return new EmbeddedTeacher(new TeacherRecipe(config(json.path("config")), json.path("seed").asLong(),
                        training));
            } catch (JsonProcessingException | IllegalArgumentException e) {
                throw new TopiaryException("the recipe's embedded-teacher training settings are unreadable: "
                        + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return "embedded teacher (seed " + recipe.seed() + ", " + recipe.training().schedule().totalSteps()
                    + " steps)";
        }
    }

    /**
     * A Hugging Face (or Topiary quantized) checkpoint directory, identified by the SHA-256 of its files, computed
     * when first asked for.
     */
    final class Checkpoint implements Origin {

        private final Path directory;
        private volatile String sha256;

        Checkpoint(Path directory, String sha256) {
            this.directory = directory.toAbsolutePath().normalize();
            this.sha256 = sha256;
        }

        public Path directory() {
            return directory;
        }

        /** SHA-256 over the checkpoint's config and weight files, in name order. */
        public String sha256() {
            String s = sha256;
            if (s == null) {
                s = digest(directory);
                sha256 = s;
            }
            return s;
        }

        /**
         * @throws TopiaryException when the checkpoint's files no longer have the digest a recipe recorded
         */
        void checkUnchanged() {
            String recorded = sha256;
            if (recorded != null && !recorded.equals(digest(directory))) {
                throw new TopiaryException("the checkpoint " + directory + " has changed since the recipe was written");
            }
        }

        @Override
        public ObjectNode toJson() {
            return Json.object("kind", "checkpoint").put("path", directory.toString()).put("sha256", sha256());
        }

        static Checkpoint fromJson(JsonNode json) {
            return new Checkpoint(Path.of(json.path("path").asText()), json.path("sha256").asText(null));
        }

        private static String digest(Path dir) {
            try (Stream<Path> files = Files.list(dir)) {
                return Sha256.of(files.filter(f -> {
                    String name = f.getFileName().toString();
                    return name.equals("config.json") || name.endsWith(".safetensors");
                }).sorted().toList());
            } catch (IOException e) {
                throw new TopiaryException("cannot list the checkpoint " + dir + ": " + IoErrors.describe(e), e);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Checkpoint c && directory.equals(c.directory);
        }

        @Override
        public int hashCode() {
            return Objects.hash(directory);
        }

        @Override
        public String toString() {
            return "checkpoint " + directory;
        }
    }

    /** A freshly initialised model ({@link Model#random(LlamaConfig, long)}). */
    record Random(LlamaConfig config, long seed) implements Origin {

        @Override
        public ObjectNode toJson() {
            ObjectNode json = Json.object("kind", "random");
            json.set("config", config.toJson());
            return json.put("seed", seed);
        }

        @Override
        public String toString() {
            return "random initialisation (seed " + seed + ")";
        }
    }
}
