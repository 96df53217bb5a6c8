package sanlian

import "io"

// Spreadsheets writes the .xlsx workbooks that lists and reports offer for
// download, and reads the ones people bring. The web adapter and the
// command line ask for one; cmd wires the Excel codec.
type Spreadsheets interface {
	// WriteProblems streams problems from next (nil, nil at the end) under
	// a title row.
	WriteProblems(w io.Writer, title string, next func() (*Problem, error)) error
	// WriteCoverage writes a visit coverage report, one sheet a section;
	// categories maps field codes to their names.
	WriteCoverage(w io.Writer, title string, c *VisitCoverage, categories map[string]string) error
	// WriteTable streams any list as one sheet: a title row, a header
	// row, then t.Next's rows until it returns nil.
	WriteTable(w io.Writer, t *Table) error
	// WriteTables writes several lists as one workbook, a sheet each in
	// order, each as WriteTable writes its sheet; title is the title row
	// of a table without its own.
	WriteTables(w io.Writer, title string, tables []*Table) error
	// WriteLists writes the three lists of a unit or person, one sheet a
	// list, in the layout county offices use, printable on A4 landscape.
	WriteLists(w io.Writer, title string, l *ThreeLists) error
	// WriteTemplate writes the import template of kind: its Chinese
	// headers, notes and an example row.
	WriteTemplate(w io.Writer, kind *ImportKind) error
	// ReadImport opens a workbook of size bytes for import as kind. A
	// file that is not a readable .xlsx (corrupt, encrypted, .xls or .csv
	// renamed, no header row) fails with EUNPROCESSABLE saying so.
	ReadImport(r io.ReaderAt, size int64, kind *ImportKind) (RowSource, error)
}

// Table is a list to write as a sheet. Row values are string (text, never
// a formula), int, int64, float64, time.Time (a date and time in
// Asia/Shanghai) or nil (an empty cell).
type Table struct {
	Title   string
	Sheet   string
	Columns []TableColumn
	Next    func() ([]any, error) // nil, nil at the end
}

// TableColumn is a column of a Table: its header and width in characters.
type TableColumn struct {
	Header string
	Width  float64
	Wrap   bool // long text that wraps
}
