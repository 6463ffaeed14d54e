package dev.topiary;

import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** The SHA-256 fingerprints recipes use to tell whether data or weights have changed under a path. */
final class Sha256 {

    private Sha256() {}

    /**
     * The digest of each file's name and bytes, in the given order, as hex.
     *
     * @throws TopiaryException when a file cannot be read
     */
    static String of(List<Path> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (Path file : files) {
                digest.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
                    while (in.read(buffer) >= 0) {
                        // the digest sees every byte read
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new TopiaryException("cannot read " + files + " to fingerprint it: " + IoErrors.describe(e), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
