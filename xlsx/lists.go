package xlsx

import (
	"errors"
	"io"

	"sanlian"
)

// WriteLists writes the three lists of a unit or a person. Not built yet.
func WriteLists(w io.Writer, title string, l *sanlian.ThreeLists) error {
	return errors.New("xlsx: three-lists workbook not built yet")
}
