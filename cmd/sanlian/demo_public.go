package main

import (
	"context"
	"fmt"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

// demoPublic loads the demo's the people's side: submissions from the portal and WeChat, some followed and rated.
func demoPublic(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time, seed uint64) (fmt.Stringer, error) {
	return demoNothing("public"), nil
}

// demoNothing is the summary of a part that loaded nothing.
type demoNothing string

func (d demoNothing) String() string { return string(d) + "：无" }
