package dev.topiary.data;

import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Text to a tokenized Megatron indexed dataset, as NeMo's {@code preprocess_data_for_megatron.py} makes it with
 * {@code --append-eod}: every document ({@link TextDocuments}: a {@code .txt} file, or a {@code .jsonl} line) is
 * encoded with the tokenizer's special tokens (a leading begin-of-text for Llama 3), the end-of-text id appended,
 * and written as one sequence that is one document. The end-of-text token is what tells packed training where one
 * document stops and the next begins.
 */
public final class DatasetPreparation {

    /** Llama 3's end-of-text token, which NeMo appends to each document as the tokenizer's EOS. */
    public static final String DEFAULT_EOD_TOKEN = "<|end_of_text|>";

    private DatasetPreparation() {}

    /** As {@link #prepare(Path, Tokenizer, int, Path, Cancellation)}, appending {@link #DEFAULT_EOD_TOKEN}. */
    public static PreparationResult prepare(Path input, Tokenizer tokenizer, Path outputPrefix) {
        return prepare(input, tokenizer, tokenizer.tokenId(DEFAULT_EOD_TOKEN), outputPrefix, Cancellation.none());
    }

    /** As {@link #prepare(Path, Tokenizer, int, Path, Cancellation)}, running to completion. */
    public static PreparationResult prepare(Path input, Tokenizer tokenizer, int eodId, Path outputPrefix) {
        return prepare(input, tokenizer, eodId, outputPrefix, Cancellation.none());
    }

    /**
     * Writes {@code outputPrefix.idx} and {@code outputPrefix.bin} from the documents of {@code input}, storing ids
     * as uint16 or int32 by the tokenizer's vocabulary size as Megatron-LM does. Nothing appears under the output
     * names unless every document was written.
     *
     * @param eodId the id appended to every document, such as {@code tokenizer.tokenId("<|end_of_text|>")}
     * @param cancellation checked between documents; a cancelled preparation writes nothing
     * @throws TopiaryException when the input is missing, malformed or holds no text, when {@code eodId} is outside
     *     the tokenizer's vocabulary, or when the dataset cannot be written
     */
    public static PreparationResult prepare(Path input, Tokenizer tokenizer, int eodId, Path outputPrefix,
            Cancellation cancellation) {
        return write(TextDocuments.read(input), tokenizer, eodId, outputPrefix, cancellation);
    }

    /** As {@link #write(List, Tokenizer, int, Path, Cancellation)}, running to completion. */
    public static PreparationResult write(List<String> documents, Tokenizer tokenizer, int eodId, Path outputPrefix) {
        return write(documents, tokenizer, eodId, outputPrefix, Cancellation.none());
    }

    /**
     * Writes documents already in memory (a corpus split, say) the same way: each one's encoding, then
     * {@code eodId}, as one sequence that is one document.
     *
     * @throws TopiaryException when {@code eodId} is outside the tokenizer's vocabulary or the dataset cannot be
     *     written
     */
    public static PreparationResult write(List<String> documents, Tokenizer tokenizer, int eodId, Path outputPrefix,
            Cancellation cancellation) {
        int vocabSize = tokenizer.vocabularySize();
        if (eodId < 0 || eodId >= vocabSize) {
            throw new TopiaryException("end-of-text id " + eodId + " is outside the " + vocabSize
                    + "-id vocabulary of tokenizer " + tokenizer.file());
        }
        try (IndexedDatasetWriter writer = IndexedDatasetWriter.open(outputPrefix, vocabSize)) {
            for (String text : documents) {
                cancellation.check("preparing " + outputPrefix);
                int[] ids = tokenizer.encode(text);
                int[] document = Arrays.copyOf(ids, ids.length + 1);
                document[ids.length] = eodId;
                writer.addDocument(document);
            }
            writer.finish();
            return new PreparationResult(outputPrefix, writer.documentCount(), writer.tokenCount(), writer.dtype());
        }
    }
}
