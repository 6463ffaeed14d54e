package dev.topiary.kernel;

/**
 * Jupyter counts cursor positions in Unicode code points, Java strings in UTF-16 chars; they differ after any
 * character outside the Basic Multilingual Plane (an emoji in a comment, say).
 */
final class CodePoints {

    private CodePoints() {}

    /** The char offset of code point {@code position} in {@code text}, clamped to the text. */
    static int toCharOffset(String text, int position) {
        int codePoints = text.codePointCount(0, text.length());
        return text.offsetByCodePoints(0, Math.max(0, Math.min(position, codePoints)));
    }

    /** The code point position of char {@code offset} in {@code text}. */
    static int toCodePointOffset(String text, int offset) {
        return text.codePointCount(0, Math.max(0, Math.min(offset, text.length())));
    }
}
