package dev.topiary.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into the pieces ("words") that byte-level BPE encodes independently, exactly as the Hugging Face
 * {@code ByteLevel} pre-tokenizer does with {@code use_regex: true}: GPT-2's pattern, each match one word, the
 * words together covering the text.
 *
 * <p>Hugging Face runs the pattern in Oniguruma, where {@code \s} is Unicode white space (tab to carriage return,
 * U+0085 and the Zs, Zl and Zp categories) and {@code \p{L}}, {@code \p{N}} are the Unicode letter and number
 * categories. Java's {@code \s} is ASCII-only unless {@link Pattern#UNICODE_CHARACTER_CLASS} is set, which makes it
 * the White_Space property: the same set. The contractions are case-sensitive in both.
 */
public final class ByteLevelPreTokenizer {

    private static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private ByteLevelPreTokenizer() {}

    /** Hands each word of {@code text} to {@code word}, in order. */
    public static void forEachWord(String text, Consumer<String> word) {
        Matcher m = GPT2.matcher(text);
        int end = 0;
        while (m.find()) {
            // The pattern matches every character, so there are no gaps; Hugging Face would keep one as a word too.
            if (m.start() > end) {
                word.accept(text.substring(end, m.start()));
            }
            word.accept(text.substring(m.start(), m.end()));
            end = m.end();
        }
        if (end < text.length()) {
            word.accept(text.substring(end));
        }
    }

    /** The words of {@code text}, in order. */
    public static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        forEachWord(text, words::add);
        return words;
    }
}
