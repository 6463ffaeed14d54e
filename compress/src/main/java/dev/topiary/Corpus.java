package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Where a step's tokens come from: a Megatron indexed dataset, a text or JSONL file tokenized on the fly, or a split
 * of the embedded State of the Union corpus. A corpus names its data; {@link #open()} reads it and
 * {@link #fingerprint()} identifies its contents, so a recipe can tell when the data under a path has changed.
 */
public final class Corpus {

    /** The three kinds of source. */
    enum Kind { INDEXED, TEXT, EMBEDDED }

    private static final List<String> SPLITS = List.of("train", "validation", "test");

    private final Kind kind;
    private final Path path;
    private final Path tokenizer;
    private final String split;
    private volatile String fingerprint;

    private Corpus(Kind kind, Path path, Path tokenizer, String split) {
        this.kind = kind;
        this.path = path;
        this.tokenizer = tokenizer;
        this.split = split;
    }

    /**
     * A Megatron indexed dataset: {@code prefix.idx} and {@code prefix.bin} (either file's path names it too).
     *
     * @throws TopiaryException when the files are missing or not a valid dataset
     */
    public static Corpus indexed(Path prefix) {
        try (IndexedDataset dataset = IndexedDataset.open(absolute(prefix, "dataset prefix"))) {
            return new Corpus(Kind.INDEXED, dataset.prefix(), null, null);
        }
    }

    /**
     * A {@code .txt} file (one document) or {@code .jsonl} file (one document per line, its {@code "text"}),
     * tokenized with {@code tokenizer} (a tokenizer.json, or a directory holding one) whenever it is opened.
     */
    public static Corpus text(Path file, Path tokenizer) {
        Path f = absolute(file, "text file");
        String name = f.getFileName().toString();
        if (!name.endsWith(".jsonl") && !name.endsWith(".txt")) {
            throw new TopiaryException("text data must be a .txt or .jsonl file, got " + f);
        }
        if (!Files.isRegularFile(f)) {
            throw new TopiaryException("no text file at " + f);
        }
        Path t = absolute(Objects.requireNonNull(tokenizer, "tokenizer"), "tokenizer");
        Path json = Files.isDirectory(t) ? t.resolve("tokenizer.json") : t;
        if (!Files.isRegularFile(json)) {
            throw new TopiaryException("no tokenizer.json at " + t + ": text data needs the tokenizer to encode it");
        }
        return new Corpus(Kind.TEXT, f, json, null);
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
    public static Corpus prepare(Path text, Path tokenizer, Path prefix) {
        Corpus source = text(text, tokenizer);
        Path target = absolute(prefix, "dataset prefix");
        try (Tokenizer t = Tokenizer.load(source.tokenizer)) {
            DatasetPreparation.prepare(source.path, t, t.tokenId(DatasetPreparation.DEFAULT_EOD_TOKEN), target,
                    Monitor.current().cancellation());
        }
        return indexed(target);
    }

    /** Text ({@code .txt}, {@code .jsonl}, then tokenized with {@code tokenizer}) or else an indexed dataset prefix. */
    public static Corpus of(Path data, Path tokenizer) {
        String name = data.getFileName().toString();
        return name.endsWith(".jsonl") || name.endsWith(".txt") ? text(data, tokenizer) : indexed(data);
    }

    /**
     * A split of the embedded State of the Union corpus, tokenized with the embedded tokenizer (built in the cache
     * on first use).
     *
     * @param split {@code train}, {@code validation} or {@code test}
     */
    public static Corpus embedded(String split) {
        if (!SPLITS.contains(split)) {
            throw new TopiaryException("unknown split '" + split + "' of the embedded corpus: expected one of " + SPLITS);
        }
        return new Corpus(Kind.EMBEDDED, null, null, split);
    }

    /** The number of tokens in the data (tokenizing it first when it is text). */
    public long tokens() {
        try (Opened opened = open()) {
            return opened.dataset().totalTokens();
        }
    }

    /** Whether this is a split of the embedded corpus. */
    public boolean isEmbedded() {
        return kind == Kind.EMBEDDED;
    }

    /** Reads the tokens: an indexed dataset that lives until the returned value is closed. */
    public Opened open() {
        return switch (kind) {
            case INDEXED -> new Opened(IndexedDataset.open(path), null);
            case EMBEDDED -> new Opened(IndexedDataset.open(embeddedPrefix()), null);
            case TEXT -> tokenize();
        };
    }

    /**
     * SHA-256 of the data's bytes (index and token files; or the text and the tokenizer), computed once per value:
     * the same fingerprint means the same tokens.
     */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = switch (kind) {
                case INDEXED -> Sha256.of(List.of(suffixed(path, ".idx"), suffixed(path, ".bin")));
                case EMBEDDED -> Sha256.of(List.of(suffixed(embeddedPrefix(), ".idx"),
                        suffixed(embeddedPrefix(), ".bin")));
                case TEXT -> Sha256.of(List.of(path, tokenizer));
            };
            fingerprint = f;
        }
        return f;
    }

    /** The corpus as a recipe records it: where it is, and its {@link #fingerprint()}. */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("kind", kind.name().toLowerCase(Locale.ROOT));
        switch (kind) {
            case INDEXED -> json.put("prefix", path.toString());
            case TEXT -> json.put("file", path.toString()).put("tokenizer", tokenizer.toString());
            case EMBEDDED -> json.put("split", split);
        }
        return json.put("sha256", fingerprint());
    }

    /**
     * The corpus a recipe names, checked against the fingerprint it recorded.
     *
     * @throws TopiaryException when the data is missing or its contents differ from when the recipe was written
     */
    public static Corpus fromJson(JsonNode json) {
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
                    + corpus.fingerprint().substring(0, 12) + ", recorded " + abbreviate(recorded) + ")");
        }
        return corpus;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Corpus c && kind == c.kind && Objects.equals(path, c.path)
                && Objects.equals(tokenizer, c.tokenizer) && Objects.equals(split, c.split);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, path, tokenizer, split);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case INDEXED -> "indexed dataset " + path;
            case TEXT -> "text " + path + " (tokenizer " + tokenizer + ")";
            case EMBEDDED -> "embedded corpus, " + split + " split";
        };
    }

    /** An opened corpus: its tokens as an indexed dataset, and any temporary files, freed on close. */
    public static final class Opened implements AutoCloseable {

        private final IndexedDataset dataset;
        private final Path scratch;

        private Opened(IndexedDataset dataset, Path scratch) {
            this.dataset = dataset;
            this.scratch = scratch;
        }

        public IndexedDataset dataset() {
            return dataset;
        }

        @Override
        public void close() {
            dataset.close();
            delete(scratch);
        }
    }

    private Path embeddedPrefix() {
        EmbeddedData data = EmbeddedData.obtain();
        return switch (split) {
            case "train" -> data.train();
            case "validation" -> data.validation();
            default -> data.test();
        };
    }

    private Opened tokenize() {
        Path scratch = null;
        try (Tokenizer t = Tokenizer.load(tokenizer)) {
            scratch = Files.createTempDirectory("topiary-data");
            Path prefix = scratch.resolve("data");
            DatasetPreparation.prepare(path, t, prefix);
            return new Opened(IndexedDataset.open(prefix), scratch);
        } catch (IOException e) {
            delete(scratch);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            delete(scratch);
            throw e;
        }
    }

    private static Path absolute(Path p, String what) {
        if (p == null) {
            throw new TopiaryException("no " + what + " given");
        }
        return p.toAbsolutePath().normalize();
    }

    private static Path suffixed(Path prefix, String suffix) {
        return prefix.resolveSibling(prefix.getFileName() + suffix);
    }

    private static String abbreviate(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) : hash;
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is only wasted disk.
        }
    }
}
