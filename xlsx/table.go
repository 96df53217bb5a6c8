package xlsx

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

// WriteTable writes any list as a one-sheet workbook: a title row, the
// header row, then t.Next's rows until it returns nil. Strings are text
// cells (never formulas, and quote-prefixed when they look like one);
// times are dates and times in Asia/Shanghai. After MaxRows rows a note
// row replaces the rest. Nothing is written to w if Next fails.
func WriteTable(w io.Writer, t *sanlian.Table) error {
	return writeTable(w, t, MaxRows)
}

func writeTable(w io.Writer, t *sanlian.Table, maxRows int) error {
	sheet := t.Sheet
	if sheet == "" {
		sheet = "Sheet1"
	}
	return writeSheet(w, t.Title, sheet, t.Columns, maxRows, "记录", tableFill(t.Columns, t.Next))
}

// tableFill adapts a Table's Next to streamTable's fill.
func tableFill(cols []sanlian.TableColumn, next func() ([]any, error)) func(st *styles, values []any) (bool, error) {
	return func(st *styles, values []any) (bool, error) {
		row, err := next()
		if err != nil || row == nil {
			return false, err
		}
		for i := range values {
			var v any
			if i < len(row) {
				v = row[i]
			}
			values[i] = st.value(v, cols[i].Wrap)
		}
		return true, nil
	}
}

// value is the cell for one value of a Table row.
func (st *styles) value(v any, wrap bool) excelize.Cell {
	switch v := v.(type) {
	case nil:
		return excelize.Cell{StyleID: st.text}
	case string:
		return st.str(v, wrap)
	case int, int64, float64:
		return excelize.Cell{StyleID: st.center, Value: v}
	case time.Time:
		return st.instant(v)
	case deadline:
		return st.deadline(time.Time(v))
	}
	return st.str(fmt.Sprint(v), wrap)
}
