package dev.topiary.embedded;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.PackedBatches;
import dev.topiary.data.SotuCorpus;
import dev.topiary.data.Tokenizer;
import dev.topiary.eval.LanguageModelEvaluation;
import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.eval.MultipleChoiceResult;
import dev.topiary.eval.MultipleChoiceScorer;
import dev.topiary.eval.MultipleChoiceTask;
import dev.topiary.eval.UnigramBaseline;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.IoErrors;
import dev.topiary.io.Overwrite;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.train.Objective;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The embedded default teacher: a tiny Llama-3.1-shaped model that Topiary pre-trains itself on the State of the
 * Union corpus, so every recipe runs with nothing downloaded.
 *
 * <p>{@link #obtain} returns the directory of its Hugging Face checkpoint (with {@code tokenizer.json} and
 * {@code report.json}), training it first when the cache does not hold it yet. The cache entry is named by the
 * data, the architecture, the seed and the schedule; training runs on the CPU in fp32 with single-threaded data
 * order, so the same recipe gives the same weights, bit for bit, on the same machine.
 */
public final class EmbeddedTeacher {

    /** Items of the next-sentence task used in reports. */
    public static final int NEXT_SENTENCE_ITEMS = 200;
    /** Seeds the next-sentence task, independent of the teacher's seed so every teacher faces the same items. */
    public static final long NEXT_SENTENCE_SEED = 2016;
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddedTeacher() {}

    /** The standard teacher in the user's cache, trained first if needed (about 5 minutes on 2 cores). */
    public static Path obtain(TrainingListener listener, Cancellation cancellation) {
        return obtain(CacheDirectory.root(), TeacherRecipe.standard(), listener, cancellation);
    }

    /** The teacher of {@code recipe} under {@code cacheRoot}, trained first if needed. */
    public static Path obtain(Path cacheRoot, TeacherRecipe recipe, TrainingListener listener,
            Cancellation cancellation) {
        EmbeddedData data = EmbeddedData.obtain(cacheRoot);
        Path dir = cacheRoot.resolve("teacher-" + key(data, recipe));
        if (!Files.isRegularFile(dir.resolve("report.json"))) {
            train(data, recipe, dir, listener, cancellation);
        }
        return dir;
    }

    /** Loads the teacher checkpoint in {@code dir} on the CPU in fp32. */
    public static Llama load(Path dir) {
        return LlamaCheckpoint.load(dir, Device.cpu(), DataType.FLOAT32);
    }

    /** The report saved beside the teacher in {@code dir}. */
    public static TeacherReport report(Path dir) {
        try {
            return JSON.readValue(dir.resolve("report.json").toFile(), TeacherReport.class);
        } catch (IOException e) {
            throw new TopiaryException("cannot read the teacher report in " + dir + ": " + IoErrors.describe(e), e);
        }
    }

    private static void train(EmbeddedData data, TeacherRecipe recipe, Path dir, TrainingListener listener,
            Cancellation cancellation) {
        if (recipe.config().vocabSize() != EmbeddedData.VOCABULARY) {
            throw new TopiaryException("the teacher's vocabulary (" + recipe.config().vocabSize()
                    + ") must be the embedded tokenizer's (" + EmbeddedData.VOCABULARY + ")");
        }
        try (Llama model = Llama.random(recipe.config(), recipe.seed(), Device.cpu(), DataType.FLOAT32);
                IndexedDataset train = IndexedDataset.open(data.train());
                IndexedDataset validation = IndexedDataset.open(data.validation());
                Tokenizer tokenizer = Tokenizer.load(data.tokenizer())) {
            long start = System.nanoTime();
            try (Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, recipe.training())) {
                trainer.train(new PackedBatches(train, recipe.training().sequenceLength(),
                        recipe.training().batchSize(), recipe.seed()), listener, cancellation);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            LanguageModelMetrics metrics = LanguageModelEvaluation.evaluate(model, validation,
                    recipe.training().sequenceLength(), 8, 0, cancellation);
            LanguageModelMetrics unigram = UnigramBaseline.evaluate(train, validation, EmbeddedData.VOCABULARY);
            MultipleChoiceResult nextSentence = MultipleChoiceScorer.score(model, tokenizer, nextSentenceTask(),
                    cancellation, scored -> { });
            TeacherReport report = new TeacherReport(model.parameterCount(), recipe.tokens(), seconds, metrics,
                    unigram, nextSentence);
            AtomicDirectory.write(dir, "embedded teacher", Overwrite.TOPIARY_OUTPUT, tmp -> {
                LlamaCheckpoint.save(model, tmp, TensorDType.F32);
                Files.copy(data.tokenizer(), tmp.resolve("tokenizer.json"));
                JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve("report.json").toFile(), report);
            });
        }
    }

    /** The embedded zero-shot task: next-sentence choice on the held-out test speeches. */
    public static MultipleChoiceTask nextSentenceTask() {
        return NextSentenceTask.build(SotuCorpus.split().test(), NEXT_SENTENCE_ITEMS, NEXT_SENTENCE_SEED);
    }

    private static String key(EmbeddedData data, TeacherRecipe recipe) {
        ObjectNode json = JSON.createObjectNode();
        json.put("data", data.directory().getFileName().toString());
        json.set("config", recipe.config().toJson());
        json.put("seed", recipe.seed());
        json.set("training", JSON.valueToTree(recipe.training()));
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(json.toString().getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
