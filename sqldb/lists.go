package sqldb

import (
	"context"
	"errors"

	"sanlian"
)

var _ sanlian.ListsService = (*DB)(nil)

// FindLists implements sanlian.ListsService.
func (db *DB) FindLists(ctx context.Context, f sanlian.ListsFilter) (*sanlian.ThreeLists, error) {
	return nil, errors.New("sqldb: lists not built yet")
}
