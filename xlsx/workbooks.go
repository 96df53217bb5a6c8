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
