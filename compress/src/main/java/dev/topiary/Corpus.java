package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a step's tokens come from: a Megatron indexed dataset, a text or JSONL file tokenized for the process, or a
 * split of the embedded State of the Union corpus. A corpus names its data; {@link #open()} reads it and
 * {@link #fingerprint()} identifies its contents, so a recipe can tell when the data under a path has changed.
 */
public sealed interface Corpus permits Corpus.Indexed, Corpus.Text, Corpus.Embedded {

    /** Reads the tokens: an indexed dataset that lives until the returned value is closed. */
    Opened open();

    /**
     * SHA-256 of the data's bytes (index and token files; or the text and the tokenizer), computed once per process
     * while the files keep their size and modification time: the same fingerprint means the same tokens.
     */
    String fingerprint();

    /** The corpus as a recipe records it: where it is, and its {@link #fingerprint()}. */
    ObjectNode toJson();

    /** The number of tokens in the data (tokenizing it first when it is text). */
    default long tokens() {
        try (Opened opened = open()) {
            return opened.dataset().totalTokens();
        }
    }

    /** Whether this is a split of the embedded corpus. */
    default boolean isEmbedded() {
        return this instanceof Embedded;
    }

    /**
     * A Megatron indexed dataset: {@code prefix.idx} and {@code prefix.bin} (either file's path names it too).
     *
     * @throws TopiaryException when the files are missing or not a valid dataset
     */
    static Corpus indexed(Path prefix) {
        return new Indexed(prefix);
    }

    /**
     * A {@code .txt} file (one document) or {@code .jsonl} file (one document per line, its {@code "text"}),
     * tokenized with {@code tokenizer} (a tokenizer.json, or a directory holding one) when first opened.
     */
    static Corpus text(Path file, Path tokenizer) {
        return new Text(file, tokenizer);
    }

    /**
     * Data preparation as NeMo does it: the documents of a {@code .txt} file (one document) or {@code .jsonl} file
     * (one per line, its {@code "text"}) tokenized once with {@code tokenizer} (a tokenizer.json, or a directory
     * holding one), each followed by {@code <|end_of_text|>}, into the Megatron indexed dataset {@code prefix.idx} and
     * {@code prefix.bin}. The files appear complete or not at all; existing ones are replaced.
     *
     * @return the prepared dataset
     * @throws TopiaryException when the text or tokenizer is missing or malformed, or the tokenizer has no
     *     {@code <|end_of_text|>} token
     */
    static Corpus prepare(Path text, Path tokenizer, Path prefix) {
        Text source = new Text(text, tokenizer);
        Path target = absolute(prefix, "dataset prefix");
        try (Tokenizer t = Tokenizer.load(source.tokenizer())) {
            DatasetPreparation.prepare(source.file(), t, t.tokenId(DatasetPreparation.DEFAULT_EOD_TOKEN), target,
                    Monitor.current().cancellation());
        }
        return indexed(target);
    }

    /** Text ({@code .txt}, {@code .jsonl}, then tokenized with {@code tokenizer}) or else an indexed dataset prefix. */
    static Corpus of(Path data, Path tokenizer) {
        String name = data.getFileName().toString();
        return name.endsWith(".jsonl") || name.endsWith(".txt") ? text(data, tokenizer) : indexed(data);
    }

    /**
     * A split of the embedded State of the Union corpus, tokenized with the embedded tokenizer (built in the cache
     * on first use).
     *
     * @param split {@code train}, {@code validation} or {@code test}
     * @throws TopiaryException naming the splits when {@code split} is none of them
     */
    static Corpus embedded(String split) {
        return new Embedded(Split.named(split));
    }

    /** A split of the embedded State of the Union corpus, as {@link #embedded(String)}. */
    static Corpus embedded(Split split) {
        return new Embedded(split);
    }

    /**
     * The corpus a recipe names, checked against the fingerprint it recorded.
     *
     * @throws TopiaryException when the data is missing or its contents differ from when the recipe was written
     */
    static Corpus fromJson(JsonNode json) {
        String kind = json.path("kind").asText();
        Corpus corpus = switch (kind) {
            case "indexed" -> indexed(Path.of(json.path("prefix").asText()));
            case "text" -> text(Path.of(json.path("file").asText()), Path.of(json.path("tokenizer").asText()));
            case "embedded" -> embedded(json.path("split").asText());
            default -> throw new TopiaryException("unknown corpus kind '" + kind + "' in recipe: expected indexed, text"
                    + " or embedded");
        };
        String recorded = json.path("sha256").asText("");
        if (!recorded.isEmpty() && !recorded.equals(corpus.fingerprint())) {
            throw new TopiaryException("the data of " + corpus + " has changed since the recipe was written (sha256 "
                    + corpus.fingerprint().substring(0, 12) + ", recorded "
                    + (recorded.length() > 12 ? recorded.substring(0, 12) : recorded) + ")");
        }
        return corpus;
    }

    /**
     * A Megatron indexed dataset, named by its prefix (the path of {@code prefix.idx} and {@code prefix.bin} without
     * the suffix).
     *
     * @param prefix the prefix, or either file's path; it is made absolute and checked to be a valid dataset
     */
    record Indexed(Path prefix) implements Corpus {

        /** @throws TopiaryException when the files are missing or not a valid dataset */
        public Indexed {
            try (IndexedDataset dataset = IndexedDataset.open(absolute(prefix, "dataset prefix"))) {
                prefix = dataset.prefix();
            }
        }

        @Override
        public Opened open() {
            return new Opened(IndexedDataset.open(prefix));
        }

        @Override
        public String fingerprint() {
            return datasetFingerprint(prefix);
        }

        @Override
        public ObjectNode toJson() {
            return Json.object("kind", "indexed").put("prefix", prefix.toString()).put("sha256", fingerprint());
        }

        @Override
        public String toString() {
            return "indexed dataset " + prefix;
        }
    }

    /**
     * A {@code .txt} or {@code .jsonl} file and the tokenizer that encodes it. The first {@link #open()} tokenizes the
     * file into a temporary dataset that later opens in the same process read again, as long as the file keeps its
     * size and modification time and the tokenizer its contents: calibration, training and evaluation on the same
     * text share one tokenization. The dataset is deleted when the JVM exits; to tokenize once for many processes,
     * {@link Corpus#prepare} the text into a dataset of your own.
     *
     * @param file the text file, made absolute
     * @param tokenizer the tokenizer.json (a directory holding one may be given), made absolute
     */
    record Text(Path file, Path tokenizer) implements Corpus {

        /** @throws TopiaryException when the text is not a .txt or .jsonl file, or either file is missing */
        public Text {
            file = absolute(file, "text file");
            String name = file.getFileName().toString();
            if (!name.endsWith(".jsonl") && !name.endsWith(".txt")) {
                throw new TopiaryException("text data must be a .txt or .jsonl file, got " + file);
            }
            if (!Files.isRegularFile(file)) {
                throw new TopiaryException("no text file at " + file);
            }
            Path t = absolute(Objects.requireNonNull(tokenizer, "tokenizer"), "tokenizer");
            tokenizer = Files.isDirectory(t) ? t.resolve("tokenizer.json") : t;
            if (!Files.isRegularFile(tokenizer)) {
                throw new TopiaryException("no tokenizer.json at " + t
                        + ": text data needs the tokenizer to encode it");
            }
        }

        @Override
        public Opened open() {
            return new Opened(IndexedDataset.open(TokenizedTexts.shared().prefix(file, tokenizer)));
        }

        @Override
        public String fingerprint() {
            return Fingerprints.of(List.of(file, tokenizer));
        }

        @Override
        public ObjectNode toJson() {
            return Json.object("kind", "text").put("file", file.toString()).put("tokenizer", tokenizer.toString())
                    .put("sha256", fingerprint());
        }

        @Override
        public String toString() {
            return "text " + file + " (tokenizer " + tokenizer + ")";
        }
    }

    /** A split of the embedded State of the Union corpus, tokenized in the Topiary cache ({@link EmbeddedData}). */
    record Embedded(Split split) implements Corpus {

        public Embedded {
            Objects.requireNonNull(split, "split");
        }

        @Override
        public Opened open() {
            return new Opened(IndexedDataset.open(split.prefixIn(EmbeddedData.obtain())));
        }

        @Override
        public String fingerprint() {
            return datasetFingerprint(split.prefixIn(EmbeddedData.obtain()));
        }

        @Override
        public ObjectNode toJson() {
            return Json.object("kind", "embedded").put("split", split.id()).put("sha256", fingerprint());
        }

        @Override
        public String toString() {
            return "embedded corpus, " + split.id() + " split";
        }
    }

    /** The splits of the embedded corpus. */
    enum Split {
        TRAIN, VALIDATION, TEST;

        /** The split's name in recipes and messages: {@code train}, {@code validation} or {@code test}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The split of that {@link #id()}.
         *
         * @throws TopiaryException naming the splits when there is none of that name
         */
        public static Split named(String id) {
            for (Split s : values()) {
                if (s.id().equals(id)) {
                    return s;
                }
            }
            throw new TopiaryException("unknown split '" + id + "' of the embedded corpus: expected one of "
                    + Arrays.stream(values()).map(Split::id).toList());
        }

        private Path prefixIn(EmbeddedData data) {
            return switch (this) {
                case TRAIN -> data.train();
                case VALIDATION -> data.validation();
                case TEST -> data.test();
            };
        }
    }

    /** An opened corpus: its tokens as an indexed dataset, freed on close. */
    record Opened(IndexedDataset dataset) implements AutoCloseable {

        @Override
        public void close() {
            dataset.close();
        }
    }

    private static String datasetFingerprint(Path prefix) {
        return Fingerprints.of(List.of(prefix.resolveSibling(prefix.getFileName() + ".idx"),
                prefix.resolveSibling(prefix.getFileName() + ".bin")));
    }

    private static Path absolute(Path p, String what) {
        if (p == null) {
            throw new TopiaryException("no " + what + " given");
        }
        return p.toAbsolutePath().normalize();
    }
}
