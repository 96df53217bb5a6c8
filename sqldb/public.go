package sqldb

import (
	"context"

	"sanlian"
)

var errPublicNotBuilt = &sanlian.Error{Code: sanlian.ENOTFOUND, Message: "此功能尚未开放"}

// SubmitPublic implements sanlian.PublicService.
func (db *DB) SubmitPublic(ctx context.Context, s *sanlian.PublicSubmission) (*sanlian.PublicReceipt, error) {
	return nil, errPublicNotBuilt
}

// TrackPublic implements sanlian.PublicService.
func (db *DB) TrackPublic(ctx context.Context, code string) (*sanlian.PublicProblem, error) {
	return nil, errPublicNotBuilt
}

// RatePublic implements sanlian.PublicService.
func (db *DB) RatePublic(ctx context.Context, code string, r *sanlian.PublicRating) (*sanlian.PublicProblem, error) {
	return nil, errPublicNotBuilt
}

// PublicResults implements sanlian.PublicService.
func (db *DB) PublicResults(ctx context.Context) (*sanlian.PublicResults, error) {
	return nil, errPublicNotBuilt
}
