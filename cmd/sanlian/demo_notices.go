package main

import (
	"context"
	"fmt"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

// demoNotices loads the demo's notices: users' in-app notices and the office's webhooks with their deliveries.
func demoNotices(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time, seed uint64) (fmt.Stringer, error) {
	return demoNothing("notices"), nil
}
