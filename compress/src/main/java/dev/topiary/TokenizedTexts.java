package dev.topiary;

import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.Tokenizer;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The text corpora of this process, each tokenized once ({@link DatasetPreparation#prepare(Path, Tokenizer, Path)},
 * the tokens a text corpus has always had) into a Megatron indexed dataset that every later {@link Corpus#open()}
 * reads again: calibration, training and evaluation on the same file share one tokenization.
 *
 * <p>A dataset is known by the text file's path, size and modification time and the SHA-256 of the tokenizer.json,
 * so an edited file, or another tokenizer, is tokenized afresh. The datasets live in one temporary directory that is
 * deleted when the JVM exits; a version of a file that is no longer current keeps its dataset until then, since a
 * step may still be reading it.
 *
 * <p>They are not kept in the Topiary cache across processes: that would need a cross-process lock and an eviction
 * policy for arbitrary user files, and a process that reads a large text often is better served by
 * {@link Corpus#prepare}, which writes the dataset once where the user chooses. The embedded corpus is cached on disk
 * by {@link dev.topiary.embedded.EmbeddedData}.
 */
final class TokenizedTexts {

    /** Writes the indexed dataset {@code prefix} from a text file and a tokenizer.json. */
    @FunctionalInterface
    interface Preparation {
        void prepare(Path text, Path tokenizer, Path prefix);
    }

    /** One version of a text file, with the contents of its tokenizer. */
    private record Key(Path text, long size, FileTime modified, String tokenizerSha256) {}

    private static TokenizedTexts shared;

    private final Path root;
    private final Preparation preparation;
    private final Map<Key, Path> prefixes = new HashMap<>();

    /**
     * Datasets under {@code root}, each written by {@code preparation}.
     *
     * @param root an existing directory that holds nothing else
     */
    TokenizedTexts(Path root, Preparation preparation) {
        this.root = root;
        this.preparation = preparation;
    }

    /** The process's datasets, in a temporary directory deleted at exit; created on first use. */
    static synchronized TokenizedTexts shared() {
        if (shared == null) {
            Path root;
            try {
                root = Files.createTempDirectory("topiary-text");
            } catch (IOException e) {
                throw new TopiaryException("cannot create a temporary directory for tokenized text: "
                        + IoErrors.describe(e), e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(root), "topiary-text-cleanup"));
            shared = new TokenizedTexts(root, TokenizedTexts::tokenize);
        }
        return shared;
    }

    /**
     * The prefix of the indexed dataset that holds {@code text} tokenized with {@code tokenizer}, tokenizing it
     * first unless this version of the text has been tokenized with a tokenizer of the same contents before.
     *
     * @param text an absolute path to a .txt or .jsonl file
     * @param tokenizer an absolute path to a tokenizer.json
     * @throws TopiaryException when the text or tokenizer is missing or malformed
     */
    synchronized Path prefix(Path text, Path tokenizer) {
        Key key = key(text, tokenizer);
        Path prefix = prefixes.get(key);
        if (prefix == null) {
            Path dir = root.resolve(Integer.toString(prefixes.size()));
            try {
                Files.createDirectory(dir);
                prefix = dir.resolve("data");
                preparation.prepare(text, tokenizer, prefix);
            } catch (IOException e) {
                delete(dir);
                throw new TopiaryException("cannot create " + dir + " for the tokens of " + text + ": "
                        + IoErrors.describe(e), e);
            } catch (RuntimeException e) {
                delete(dir);
                throw e;
            }
            prefixes.put(key, prefix);
        }
        return prefix;
    }

    /** The tokenization text corpora have always had: each document, then {@code <|end_of_text|>}. */
    static void tokenize(Path text, Path tokenizer, Path prefix) {
        try (Tokenizer t = Tokenizer.load(tokenizer)) {
            DatasetPreparation.prepare(text, t, prefix);
        }
    }

    private static Key key(Path text, Path tokenizer) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(text, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new TopiaryException("cannot read the text file " + text + ": " + IoErrors.describe(e), e);
        }
        return new Key(text, a.size(), a.lastModifiedTime(), Fingerprints.of(List.of(tokenizer)));
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is only wasted disk.
        }
    }
}
