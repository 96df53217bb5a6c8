package sanlian

import "context"

// County is a whole organisation to load at once into an empty database:
// the demo county, or a county's first import. IDs are assigned by the
// caller so that links can refer to rows before they are written.
type County struct {
	Regions    []*Region
	Units      []*Unit
	Cadres     []*Cadre // with their whole phone numbers
	Households []*Household
	Links      []*Link
	Accounts   []*Account
}

// Account is a user to create with its password.
type Account struct {
	User     *User
	Password string
}

// Loader fills an empty database in bulk.
type Loader interface {
	// IsEmpty reports whether the database holds no region yet.
	IsEmpty(ctx context.Context) (bool, error)
	// LoadCounty writes c in one transaction and audits it as one entry.
	// Returns ECONFLICT when the database is not empty.
	LoadCounty(ctx context.Context, c *County) error
}
