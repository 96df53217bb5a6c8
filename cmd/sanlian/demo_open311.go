package main

import (
	"context"
	"fmt"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

// demoOpen311 loads the demo's Open311: API keys for the county's hotline and a city platform, and requests sent through them.
func demoOpen311(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time, seed uint64) (fmt.Stringer, error) {
	return demoNothing("open311"), nil
}
