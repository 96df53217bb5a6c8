package xlsx

import (
	"errors"
	"io"

	"sanlian"
)

// WriteTemplate writes the import template of kind. Not built yet.
func WriteTemplate(w io.Writer, kind *sanlian.ImportKind) error {
	return errors.New("xlsx: templates not built yet")
}

// ReadImport opens a workbook for import. Not built yet.
func ReadImport(r io.ReaderAt, size int64, kind *sanlian.ImportKind) (sanlian.RowSource, error) {
	return nil, errors.New("xlsx: import not built yet")
}
