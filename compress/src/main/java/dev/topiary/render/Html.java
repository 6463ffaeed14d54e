package dev.topiary.render;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small HTML fragments for the notebook renderings of models, plans and reports: escaped text, tables and titled
 * sections. No colours are set, so the notebook theme (light or dark) decides them.
 */
public final class Html {

    private Html() {}

    /** {@code text} with the characters HTML gives meaning to replaced by entities. */
    public static String escape(Object text) {
        String s = String.valueOf(text);
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A table with a header row; cells are escaped. */
    public static String table(List<String> header, List<List<?>> rows) {
        StringBuilder out = new StringBuilder("<table><thead><tr>");
        header.forEach(h -> out.append("<th>").append(escape(h)).append("</th>"));
        out.append("</tr></thead><tbody>");
        for (List<?> row : rows) {
            out.append("<tr>");
            row.forEach(cell -> out.append("<td>").append(escape(cell)).append("</td>"));
            out.append("</tr>");
        }
        return out.append("</tbody></table>").toString();
    }

    /** A two-column table of names and values, in the map's order. */
    public static String properties(Map<String, ?> properties) {
        StringBuilder out = new StringBuilder("<table><tbody>");
        properties.forEach((name, value) -> out.append("<tr><th style=\"text-align:left\">").append(escape(name))
                .append("</th><td style=\"text-align:left\">").append(escape(value)).append("</td></tr>"));
        return out.append("</tbody></table>").toString();
    }

    /** A titled block holding already-rendered {@code body} HTML. */
    public static String section(String title, String body) {
        return "<div class=\"topiary\"><strong>" + escape(title) + "</strong>" + body + "</div>";
    }

    /** A count with thousands separators: 4,512,746,496. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A byte count in decimal units, as disk and model sizes are quoted: 16.06 GB, 8.40 MB, 512 B. */
    public static String bytes(long n) {
        if (n >= 1e9) {
            return String.format(Locale.ROOT, "%.2f GB", n / 1e9);
        }
        if (n >= 1e6) {
            return String.format(Locale.ROOT, "%.2f MB", n / 1e6);
        }
        return n >= 1e3 ? String.format(Locale.ROOT, "%.2f kB", n / 1e3) : n + " B";
    }
}
