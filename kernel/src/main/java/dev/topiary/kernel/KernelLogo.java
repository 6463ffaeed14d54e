package dev.topiary.kernel;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import javax.imageio.ImageIO;

/** Topiary's logo, drawn at any size for the kernelspec: a clipped round tree in a pot. */
public final class KernelLogo {

    private KernelLogo() {}

    /** The logo as a square image of {@code size} pixels with a transparent background. */
    public static BufferedImage draw(int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            double u = size / 64.0;
            g.setColor(new Color(0x8a5a2b));
            g.fillRect((int) (29 * u), (int) (36 * u), (int) Math.ceil(6 * u), (int) (16 * u));
            g.setColor(new Color(0xb5562f));
            g.fillRoundRect((int) (18 * u), (int) (48 * u), (int) (28 * u), (int) (14 * u), (int) (4 * u),
                    (int) (4 * u));
            g.setColor(new Color(0x2e7d32));
            g.fill(new Ellipse2D.Double(10 * u, 2 * u, 44 * u, 40 * u));
            g.setColor(new Color(0x66bb6a));
            g.setStroke(new BasicStroke((float) Math.max(1, 2 * u)));
            g.drawLine((int) (16 * u), (int) (22 * u), (int) (48 * u), (int) (22 * u));
        } finally {
            g.dispose();
        }
        return image;
    }

    /** Writes the logo of {@code size} pixels as PNG. */
    public static void writePng(int size, OutputStream out) throws IOException {
        ImageIO.write(draw(size), "png", out);
    }
}
