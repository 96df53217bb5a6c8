package sqldb

import (
	"context"
	"errors"

	"sanlian"
)

var errResponsibilitiesNotBuilt = errors.New("sqldb: responsibilities not built yet")

var _ sanlian.ResponsibilityService = (*DB)(nil)

// CreateResponsibility implements sanlian.ResponsibilityService.
func (db *DB) CreateResponsibility(ctx context.Context, in *sanlian.ResponsibilityInput) (*sanlian.Responsibility, error) {
	return nil, errResponsibilitiesNotBuilt
}

// UpdateResponsibility implements sanlian.ResponsibilityService.
func (db *DB) UpdateResponsibility(ctx context.Context, id int64, in *sanlian.ResponsibilityInput, version int64) (*sanlian.Responsibility, error) {
	return nil, errResponsibilitiesNotBuilt
}

// FindResponsibilityByID implements sanlian.ResponsibilityService.
func (db *DB) FindResponsibilityByID(ctx context.Context, id int64) (*sanlian.Responsibility, error) {
	return nil, errResponsibilitiesNotBuilt
}

// FindResponsibilities implements sanlian.ResponsibilityService.
func (db *DB) FindResponsibilities(ctx context.Context, f sanlian.ResponsibilityFilter) ([]*sanlian.Responsibility, string, error) {
	return nil, "", errResponsibilitiesNotBuilt
}
