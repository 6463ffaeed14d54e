package dev.topiary.data;

import java.util.Objects;

/**
 * One document of a corpus: a State of the Union address with its year, president and party.
 *
 * @param year the year the address was given
 * @param president the president's name as the source spells it ("Franklin D Roosevelt")
 * @param party the president's party as the source names it ("none" for George Washington)
 * @param text the address, exactly as the source has it
 */
public record Document(int year, String president, String party, String text) {

    public Document {
        Objects.requireNonNull(president, "president");
        Objects.requireNonNull(party, "party");
        Objects.requireNonNull(text, "text");
    }

    /** Leaves the text out: an address runs to tens of thousands of characters. */
    @Override
    public String toString() {
        return "Document(" + year + ", " + president + ", " + party + ", " + text.length() + " characters)";
    }
}
