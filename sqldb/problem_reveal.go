package sqldb

import (
	"context"

	"sanlian"
)

// RevealText implements sanlian.ProblemService: the problem's free text as
// typed, for a role that may reveal and can read the problem, audited as
// a reveal of the text.
func (db *ProblemStore) RevealText(ctx context.Context, id int64) (*sanlian.ProblemText, error) {
	t := &sanlian.ProblemText{}
	err := db.reveal(ctx, "problem", id, "text",
		func(tx *Tx, s *scope) error { _, err := db.findProblem(tx, s, id); return err },
		`SELECT title, description, measures, result FROM problems WHERE id = ?`, &t.Title, &t.Description, &t.Measures, &t.Result)
	if err != nil {
		return nil, err
	}
	return t, nil
}
