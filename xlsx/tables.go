package xlsx

import (
	"archive/zip"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"sanlian"
)

// WriteTables implements sanlian.Spreadsheets.
func (Workbooks) WriteTables(w io.Writer, title string, tables []*sanlian.Table) error {
	return WriteTables(w, title, tables)
}

// WriteTables writes several lists as one workbook, a sheet each, in
// order, each as WriteTable writes its one sheet. A table's Title
// defaults to title; sheets without a name are numbered. Nothing is
// written to w if a table's Next fails.
func WriteTables(w io.Writer, title string, tables []*sanlian.Table) (err error) {
	if len(tables) == 0 {
		return fmt.Errorf("xlsx: a workbook needs at least one table")
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("xlsx: close: %w", cerr)
		}
	}()
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = t.Sheet
		if names[i] == "" {
			names[i] = fmt.Sprintf("Sheet%d", i+1)
		}
		if i == 0 {
			if err := f.SetSheetName("Sheet1", names[0]); err != nil {
				return fmt.Errorf("xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(names[i]); err != nil {
			return fmt.Errorf("xlsx: sheet %q: %w", names[i], err)
		}
	}
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("xlsx: styles: %w", err)
	}
	for i, t := range tables {
		tt := t.Title
		if tt == "" {
			tt = title
		}
		if err := streamTable(f, names[i], st, tt, t.Columns, MaxRows, "记录", tableFill(t.Columns, t.Next)); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}
