package dev.topiary.kernel;

import dev.topiary.render.Html;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tech.tablesaw.api.Table;

/** A tablesaw table as an HTML table of its first and last rows, and as tablesaw prints it. */
final class TableRenderer implements ValueRenderer<Table> {

    /** Rows of a long table shown at its head and at its tail. */
    static final int HEAD_ROWS = 10;
    static final int TAIL_ROWS = 5;

    @Override
    public MimeBundle render(Table table, Renderer renderer) {
        return MimeBundle.html(tableHtml(table), table.print());
    }

    private static String tableHtml(Table table) {
        int rows = table.rowCount();
        List<Integer> shown = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            if (r < HEAD_ROWS || r >= rows - TAIL_ROWS || rows <= HEAD_ROWS + TAIL_ROWS) {
                shown.add(r);
            }
        }
        List<List<?>> body = new ArrayList<>();
        int previous = -1;
        for (int r : shown) {
            if (r != previous + 1) {
                body.add(Collections.nCopies(table.columnCount(), "…"));
            }
            List<Object> row = new ArrayList<>();
            for (int c = 0; c < table.columnCount(); c++) {
                row.add(table.getString(r, c));
            }
            body.add(row);
            previous = r;
        }
        return Html.section(String.format("%s: %,d rows x %d columns", table.name() == null ? "table"
                : table.name(), rows, table.columnCount()), Html.table(table.columnNames(), body));
    }
}
