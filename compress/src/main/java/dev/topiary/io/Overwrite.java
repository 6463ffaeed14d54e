package dev.topiary.io;

/**
 * What a write may do to a directory that is already at the target path.
 *
 * <p>Topiary replaces only what it made: every directory it writes holds a manifest of its files
 * ({@link OutputManifest}). Files a user added later, or that were there before Topiary wrote, are never deleted
 * and never overwritten.
 */
public enum Overwrite {
    /**
     * Replace a directory Topiary wrote (keeping files the user added to it); refuse any other non-empty one. The
     * default.
     */
    TOPIARY_OUTPUT,
    /**
     * Also write into a non-empty directory Topiary did not write, keeping every file there; a file there that has
     * the name of one Topiary writes is still refused, not replaced.
     */
    FORCE
}
