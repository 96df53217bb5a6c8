package sqldb

import (
	"context"
	"errors"
	"io"

	"sanlian"
)

var errProjectsNotBuilt = errors.New("sqldb: projects not built yet")

var _ sanlian.ProjectService = (*DB)(nil)

// CreateProject implements sanlian.ProjectService.
func (db *DB) CreateProject(ctx context.Context, in *sanlian.ProjectInput) (*sanlian.Project, error) {
	return nil, errProjectsNotBuilt
}

// UpdateProject implements sanlian.ProjectService.
func (db *DB) UpdateProject(ctx context.Context, id int64, in *sanlian.ProjectInput, version int64) (*sanlian.Project, error) {
	return nil, errProjectsNotBuilt
}

// FindProjectByID implements sanlian.ProjectService.
func (db *DB) FindProjectByID(ctx context.Context, id int64) (*sanlian.Project, error) {
	return nil, errProjectsNotBuilt
}

// FindProjects implements sanlian.ProjectService.
func (db *DB) FindProjects(ctx context.Context, f sanlian.ProjectFilter) ([]*sanlian.Project, string, error) {
	return nil, "", errProjectsNotBuilt
}

// AddProgress implements sanlian.ProjectService.
func (db *DB) AddProgress(ctx context.Context, projectID int64, in *sanlian.ProgressInput) (*sanlian.Project, *sanlian.ProgressEntry, error) {
	return nil, nil, errProjectsNotBuilt
}

// FindProgress implements sanlian.ProjectService.
func (db *DB) FindProgress(ctx context.Context, projectID int64) ([]*sanlian.ProgressEntry, error) {
	return nil, errProjectsNotBuilt
}

// AddProgressEvidence implements sanlian.ProjectService.
func (db *DB) AddProgressEvidence(ctx context.Context, entryID int64, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	return nil, errProjectsNotBuilt
}
