package sqldb

import (
	"context"
	"errors"

	"sanlian"
)

var _ sanlian.ImportService = (*DB)(nil)

// Import implements sanlian.ImportService.
func (db *DB) Import(ctx context.Context, kind *sanlian.ImportKind, open func() (sanlian.RowSource, error)) (*sanlian.ImportReport, error) {
	return nil, errors.New("sqldb: import not built yet")
}
