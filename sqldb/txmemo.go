package sqldb

import (
	"fmt"

	"sanlian"
)

// txMemo keeps what a write transaction reads of the office's settings —
// the dispatch limits, a category's limits, a month's themes — once it has
// read them: a batch of entries (problem_batch.go) would read the same rows
// for every entry. Settings are not written by the transactions that use
// the memo, so it holds what they would read again.
type txMemo struct {
	intake   *sanlian.IntakeLimits
	catDays  map[string][2]int
	themes   map[string][]*sanlian.Theme
	hasTheme map[string]bool
}

func (tx *Tx) memoOf() *txMemo {
	if tx.memo == nil {
		tx.memo = &txMemo{}
	}
	return tx.memo
}

// intakeLimits is intakeLimits(tx), read once per transaction.
func (tx *Tx) intakeLimits() (*sanlian.IntakeLimits, error) {
	m := tx.memoOf()
	if m.intake == nil {
		l, err := intakeLimits(tx)
		if err != nil {
			return nil, err
		}
		m.intake = l
	}
	return m.intake, nil
}

// categoryDays is category code's acceptance and resolution limits in
// working days, read once per transaction.
func (tx *Tx) categoryDays(code string) (accept, resolve int, err error) {
	m := tx.memoOf()
	if d, ok := m.catDays[code]; ok {
		return d[0], d[1], nil
	}
	if err := tx.queryRow(`SELECT accept_days, resolve_days FROM categories WHERE code = ?`, code).Scan(&accept, &resolve); err != nil {
		return 0, 0, fmt.Errorf("category limits: %w", err)
	}
	if m.catDays == nil {
		m.catDays = map[string][2]int{}
	}
	m.catDays[code] = [2]int{accept, resolve}
	return accept, resolve, nil
}

// monthThemes is the themes of month (2021-05), read once per transaction.
func (tx *Tx) monthThemes(month string) ([]*sanlian.Theme, error) {
	m := tx.memoOf()
	if m.hasTheme[month] {
		return m.themes[month], nil
	}
	var themes []*sanlian.Theme
	err := eachRow(tx, `SELECT `+themeCols+` FROM themes t WHERE t.month = ?`, []any{month}, func(sc scanner) error {
		t, err := scanTheme(sc)
		themes = append(themes, t)
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.themes == nil {
		m.themes, m.hasTheme = map[string][]*sanlian.Theme{}, map[string]bool{}
	}
	m.themes[month], m.hasTheme[month] = themes, true
	return themes, nil
}
