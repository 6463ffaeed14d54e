package dev.topiary.embedded;

import dev.topiary.TopiaryException;
import dev.topiary.data.BpeTrainer;
import dev.topiary.data.CorpusSplit;
import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.Document;
import dev.topiary.data.SotuCorpus;
import dev.topiary.data.Tokenizer;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.Overwrite;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The embedded corpus made ready for training: a byte-level BPE tokenizer trained on the training speeches, and the
 * training, validation and test speeches as indexed datasets (each speech begins with begin-of-text and ends with
 * end-of-text). Built once into the cache, in a directory named by a fingerprint of the corpus and vocabulary.
 *
 * @param directory where the files are
 */
public record EmbeddedData(Path directory) {

    /** The embedded tokenizer's vocabulary size, the two special tokens included. */
    public static final int VOCABULARY = 4096;
    private static final String FORMAT = "embedded-data-v1";

    public Path tokenizer() {
        return directory.resolve("tokenizer.json");
    }

    public Path train() {
        return directory.resolve("train");
    }

    public Path validation() {
        return directory.resolve("validation");
    }

    public Path test() {
        return directory.resolve("test");
    }

    /** The data in the user's cache, built first if it is not there. */
    public static EmbeddedData obtain() {
        return obtain(CacheDirectory.root());
    }

    /** The data under {@code cacheRoot}, built first if it is not there. */
    public static EmbeddedData obtain(Path cacheRoot) {
        Path dir = cacheRoot.resolve("data-" + fingerprint());
        EmbeddedData data = new EmbeddedData(dir);
        if (!Files.isRegularFile(dir.resolve("complete"))) {
            AtomicDirectory.write(dir, "embedded data", Overwrite.TOPIARY_OUTPUT, tmp -> build(new EmbeddedData(tmp)));
        }
        return data;
    }

    private static void build(EmbeddedData target) throws IOException {
        CorpusSplit split = SotuCorpus.split();
        BpeTrainer.train(CorpusSplit.texts(split.train()), VOCABULARY).write(target.tokenizer());
        try (Tokenizer tokenizer = Tokenizer.load(target.tokenizer())) {
            int eod = tokenizer.tokenId(BpeTrainer.END_OF_TEXT);
            write(split.train(), tokenizer, eod, target.train());
            write(split.validation(), tokenizer, eod, target.validation());
            write(split.test(), tokenizer, eod, target.test());
        }
        Files.writeString(target.directory().resolve("complete"), FORMAT + "\n");
    }

    private static void write(List<Document> documents, Tokenizer tokenizer, int eod, Path prefix) {
        DatasetPreparation.write(CorpusSplit.texts(documents), tokenizer, eod, prefix);
    }

    /** Names the data by what it is built from: the corpus bytes, the vocabulary size and this format. */
    private static String fingerprint() {
        try (InputStream corpus = SotuCorpus.class.getResourceAsStream("sotu.jsonl.gz")) {
            if (corpus == null) {
                throw new TopiaryException("the embedded corpus sotu.jsonl.gz is missing from the class path");
            }
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((FORMAT + "|" + VOCABULARY + "|").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            digest.update(corpus.readAllBytes());
            return HexFormat.of().formatHex(digest.digest()).substring(0, 12);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the embedded corpus", e);
        }
    }
}
