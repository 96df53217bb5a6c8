package sanlian

import "io"

// Spreadsheets writes the .xlsx workbooks that lists and reports offer for
// download. The web adapter asks for one; cmd wires the Excel encoder.
type Spreadsheets interface {
	// WriteProblems streams problems from next (nil, nil at the end) under
	// a title row.
	WriteProblems(w io.Writer, title string, next func() (*Problem, error)) error
	// WriteCoverage writes a visit coverage report, one sheet a section;
	// categories maps field codes to their names.
	WriteCoverage(w io.Writer, title string, c *VisitCoverage, categories map[string]string) error
}
