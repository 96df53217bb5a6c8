package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

// demoPublic reports the demo's people's side: the ledger's portal and
// WeChat problems came in through it (LoadProblems with Public), and most
// of their reporters rated the result themselves. It names a code to try.
func demoPublic(ctx context.Context, db *sqldb.DB, setNow func(time.Time), c *sanlian.County, today time.Time, seed uint64) (fmt.Stringer, error) {
	office := sanlian.NewSystemContext(ctx)
	_, total, rated, err := db.Public.FindTracked(office, "", 0)
	if err != nil {
		return nil, err
	}
	var try []string
	for _, st := range []string{sanlian.StateResolved, sanlian.StateAccepted} {
		list, _, _, err := db.Public.FindTracked(office, st, 20)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			if !t.Rated {
				try = append(try, fmt.Sprintf("%s（%s，手机尾号 %s）", t.Code, sanlian.StateLabel(t.State), t.PhoneLast4))
				break
			}
		}
	}
	return demoText(fmt.Sprintf("群众端问题 %d 件（带查询码，%d 件由群众自行评价）；在 /track 试试查询码 %s",
		total, rated, strings.Join(try, "、"))), nil
}

// demoText is a part's summary, said in one line.
type demoText string

func (d demoText) String() string { return string(d) }

// demoNothing is the summary of a part that loaded nothing.
type demoNothing string

func (d demoNothing) String() string { return string(d) + "：无" }
