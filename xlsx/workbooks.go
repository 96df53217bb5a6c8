package xlsx

import (
	"io"

	"sanlian"
)

// Workbooks implements sanlian.Spreadsheets with this package's encoders.
type Workbooks struct{}

var _ sanlian.Spreadsheets = Workbooks{}

// WriteProblems implements sanlian.Spreadsheets.
func (Workbooks) WriteProblems(w io.Writer, title string, next func() (*sanlian.Problem, error)) error {
	return WriteProblems(w, title, next)
}

// WriteCoverage implements sanlian.Spreadsheets.
func (Workbooks) WriteCoverage(w io.Writer, title string, c *sanlian.VisitCoverage, categories map[string]string) error {
	return WriteCoverage(w, title, c, categories)
}

// WriteTable implements sanlian.Spreadsheets.
func (Workbooks) WriteTable(w io.Writer, t *sanlian.Table) error { return WriteTable(w, t) }

// WriteLists implements sanlian.Spreadsheets.
func (Workbooks) WriteLists(w io.Writer, title string, l *sanlian.ThreeLists) error {
	return WriteLists(w, title, l)
}

// WriteTemplate implements sanlian.Spreadsheets.
func (Workbooks) WriteTemplate(w io.Writer, kind *sanlian.ImportKind) error {
	return WriteTemplate(w, kind)
}

// ReadImport implements sanlian.Spreadsheets.
func (Workbooks) ReadImport(r io.ReaderAt, size int64, kind *sanlian.ImportKind) (sanlian.RowSource, error) {
	return ReadImport(r, size, kind)
}
