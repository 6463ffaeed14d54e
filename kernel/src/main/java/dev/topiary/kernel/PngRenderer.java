package dev.topiary.kernel;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/** An image as a PNG of its pixels, with its size as metadata and as text. */
final class PngRenderer implements ValueRenderer<BufferedImage> {

    @Override
    public MimeBundle render(BufferedImage image, Renderer renderer) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(MimeBundle.PLAIN, "image " + image.getWidth() + " x " + image.getHeight());
        data.put(MimeBundle.PNG, Base64.getEncoder().encodeToString(png(image)));
        return new MimeBundle(data, Map.of(MimeBundle.PNG, Map.of("width", image.getWidth(),
                "height", image.getHeight())));
    }

    /** The image's pixels as PNG bytes. */
    static byte[] png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
