package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

const rollupsUsage = `Usage:
  sanlian rollups rebuild [--db …]
`

// runRollups dispatches "sanlian rollups": rebuild recomputes the
// metrics' per-day counters from the problems' timelines, in one
// transaction (the metrics read the old counters until it commits).
func runRollups(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		fmt.Fprint(stderr, rollupsUsage)
		if len(args) == 0 {
			return errors.New(`unknown rollups command: want "rollups rebuild"`)
		}
		return fmt.Errorf("unknown rollups command %q", args[0])
	}
	fs := newFlagSet("rollups rebuild", "recompute the metrics' per-day counters (rollups) from the problems' timelines", stderr)
	dsn := dbFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("多余的参数：%v", fs.Args())
	}
	db, err := openAuditDB(ctx, *dsn)
	if err != nil {
		return describe(err)
	}
	defer db.Close()
	start := time.Now()
	n, err := db.RebuildRollups(ctx)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "已按问题时间线重算考核计数汇总：%d 行，用时 %v\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
