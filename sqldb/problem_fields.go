package sqldb

import (
	"fmt"
	"strings"
	"time"

	"sanlian"
	"sanlian/seal"
)

// problemField is one field of a problem, declared once: the column of
// problems it is stored in ("" for a name read from another table), the
// expression reads select, where scanProblem puts what they read, and the
// value an INSERT or UPDATE stores (nil for a field no statement writes
// through this table).
type problemField struct {
	col string
	sel string
	dst func(db *DB, p *sanlian.Problem) any
	val func(p *sanlian.Problem) any
}

// stored is a column read and written as it is.
func stored[T any](col string, f func(*sanlian.Problem) *T) problemField {
	return problemField{col, "p." + col,
		func(_ *DB, p *sanlian.Problem) any { return f(p) },
		func(p *sanlian.Problem) any { return *f(p) }}
}

// ref is a nullable reference to another row: 0 for NULL.
func ref(col string, f func(*sanlian.Problem) *int64) problemField {
	return problemField{col, "COALESCE(p." + col + ", 0)",
		func(_ *DB, p *sanlian.Problem) any { return f(p) },
		func(p *sanlian.Problem) any { return nullInt(*f(p)) }}
}

// instant is a nullable timestamp: the zero time for NULL.
func instant(col string, f func(*sanlian.Problem) *time.Time) problemField {
	return problemField{col, "p." + col,
		func(_ *DB, p *sanlian.Problem) any { return timeDst{f(p)} },
		func(p *sanlian.Problem) any { return nullTime(*f(p)) }}
}

// joined is a name read from another table with a scalar subquery rather
// than a join: PostgreSQL spends far longer planning a seven-table join
// than running it for a page of 50.
func joined(sel string, f func(*sanlian.Problem) *string) problemField {
	return problemField{"", "COALESCE((" + sel + "), '')",
		func(_ *DB, p *sanlian.Problem) any { return f(p) }, nil}
}

// problemFields are a problem's fields as reads see them, in the order of
// problemCols. The reporter's phone is stored sealed and read opened, so
// insertProblem writes it itself.
var problemFields = []problemField{
	stored("id", func(p *sanlian.Problem) *int64 { return &p.ID }),
	stored("number", func(p *sanlian.Problem) *string { return &p.Number }),
	stored("state", func(p *sanlian.Problem) *string { return &p.State }),
	stored("version", func(p *sanlian.Problem) *int64 { return &p.Version }),
	stored("source", func(p *sanlian.Problem) *string { return &p.Source }),
	stored("category", func(p *sanlian.Problem) *string { return &p.Category }),
	stored("village_code", func(p *sanlian.Problem) *string { return &p.VillageCode }),
	ref("household_id", func(p *sanlian.Problem) *int64 { return &p.HouseholdID }),
	stored("reporter_name", func(p *sanlian.Problem) *string { return &p.ReporterName }),
	{"reporter_phone", "p.reporter_phone",
		func(db *DB, p *sanlian.Problem) any { return db.sealed(aadReporterPhone, &p.ReporterPhone, &p.ID) }, nil},
	stored("title", func(p *sanlian.Problem) *string { return &p.Title }),
	stored("description", func(p *sanlian.Problem) *string { return &p.Description }),
	stored("urgency", func(p *sanlian.Problem) *string { return &p.Urgency }),
	ref("unit_id", func(p *sanlian.Problem) *int64 { return &p.UnitID }),
	ref("person_id", func(p *sanlian.Problem) *int64 { return &p.PersonID }),
	instant("assigned_at", func(p *sanlian.Problem) *time.Time { return &p.AssignedAt }),
	instant("accept_due", func(p *sanlian.Problem) *time.Time { return &p.AcceptDue }),
	instant("accepted_at", func(p *sanlian.Problem) *time.Time { return &p.AcceptedAt }),
	instant("resolve_due", func(p *sanlian.Problem) *time.Time { return &p.ResolveDue }),
	instant("resolved_at", func(p *sanlian.Problem) *time.Time { return &p.ResolvedAt }),
	instant("closed_at", func(p *sanlian.Problem) *time.Time { return &p.ClosedAt }),
	stored("measures", func(p *sanlian.Problem) *string { return &p.Measures }),
	stored("result", func(p *sanlian.Problem) *string { return &p.Result }),
	stored("callback_solved", func(p *sanlian.Problem) *string { return &p.CallbackSolved }),
	stored("callback_satisfaction", func(p *sanlian.Problem) *string { return &p.CallbackSatisfaction }),
	instant("callback_at", func(p *sanlian.Problem) *time.Time { return &p.CallbackAt }),
	stored("reopened", func(p *sanlian.Problem) *int { return &p.Reopened }),
	ref("merged_into", func(p *sanlian.Problem) *int64 { return &p.MergedInto }),
	stored("reject_reason", func(p *sanlian.Problem) *string { return &p.RejectReason }),
	stored("extension_until", func(p *sanlian.Problem) *string { return &p.ExtensionUntil }),
	stored("extension_reason", func(p *sanlian.Problem) *string { return &p.ExtensionReason }),
	ref("created_by", func(p *sanlian.Problem) *int64 { return &p.CreatedBy }),
	instant("created_at", func(p *sanlian.Problem) *time.Time { return &p.CreatedAt }),
	instant("updated_at", func(p *sanlian.Problem) *time.Time { return &p.UpdatedAt }),
	instant("assign_due", func(p *sanlian.Problem) *time.Time { return &p.AssignDue }),
	stored("due_provisional", func(p *sanlian.Problem) *bool { return &p.DueProvisional }),
	ref("rule_id", func(p *sanlian.Problem) *int64 { return &p.RuleID }),
	joined("SELECT name FROM categories WHERE code = p.category", func(p *sanlian.Problem) *string { return &p.CategoryName }),
	joined("SELECT name FROM regions WHERE code = p.village_code", func(p *sanlian.Problem) *string { return &p.VillageName }),
	stored("township_code", func(p *sanlian.Problem) *string { return &p.TownshipCode }),
	joined("SELECT name FROM regions WHERE code = p.township_code", func(p *sanlian.Problem) *string { return &p.TownshipName }),
	joined("SELECT name FROM units WHERE id = p.unit_id", func(p *sanlian.Problem) *string { return &p.UnitName }),
	joined("SELECT name FROM cadres WHERE id = p.person_id", func(p *sanlian.Problem) *string { return &p.PersonName }),
	joined("SELECT head_name FROM households WHERE id = p.household_id", func(p *sanlian.Problem) *string { return &p.HeadName }),
}

// problemCols is the SELECT list of problemFields, for problems aliased p.
var problemCols = func() string {
	sel := make([]string, len(problemFields))
	for i, f := range problemFields {
		sel[i] = f.sel
	}
	return strings.Join(sel, ", ")
}()

const problemFrom = ` FROM problems p`

var problemSelect = `SELECT ` + problemCols + problemFrom

// scanProblem reads a row of problemCols with the reporter's phone opened
// and masked; Overdue is filled by the caller, who knows "now".
func (db *ProblemStore) scanProblem(sc scanner) (*sanlian.Problem, error) {
	p := &sanlian.Problem{}
	dst := make([]any, len(problemFields))
	for i, f := range problemFields {
		dst[i] = f.dst(db.DB, p)
	}
	err := sc.Scan(dst...)
	p.ReporterPhone = sanlian.MaskPhone(p.ReporterPhone)
	return p, err
}

// problemFieldOf looks a written column up; a name that is not one is a
// mistake in the statement being built.
func problemFieldOf(col string) problemField {
	for _, f := range problemFields {
		if f.col == col && f.val != nil {
			return f
		}
	}
	panic(fmt.Sprintf("sqldb: %q is not a written column of problems", col))
}

// problemSet is the SET list of an UPDATE of problems that stores cols of
// p, "state = ?, unit_id = ?", with its arguments in order:
//
//	set, args := problemSet(p, "state", "unit_id")
//	tx.exec(`UPDATE problems SET `+set+`, version = version + 1 WHERE id = ?`, append(args, p.ID)...)
func problemSet(p *sanlian.Problem, cols ...string) (string, []any) {
	set := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, c := range cols {
		set[i] = c + " = ?"
		args[i] = problemFieldOf(c).val(p)
	}
	return strings.Join(set, ", "), args
}

// problemInsertCols are the columns of problemFields a new problem is
// entered with; the rest keep their defaults until an action sets them.
var problemInsertCols = []string{"number", "state", "source", "category", "village_code", "township_code", "household_id",
	"reporter_name", "title", "description", "urgency", "unit_id", "person_id", "created_by", "assigned_at", "resolve_due",
	"measures", "result", "reject_reason", "created_at", "updated_at", "assign_due", "due_provisional"}

// problemOrigin is what a new problem's row keeps beyond its fields: the
// unit and cadre that entered it and the visit it was heard on.
type problemOrigin struct {
	unitID, cadreID, visitID int64
}

// insertProblem is the one INSERT of a problem, with its search index:
// the row and its tsvector on PostgreSQL; on SQLite the problem_fts row,
// written now, or appended to *fts for a bulk insert when fts is not nil.
// p.ReporterPhone is the phone in clear; it is stored sealed, beside its
// blind index.
func (db *ProblemStore) insertProblem(tx *Tx, p *sanlian.Problem, o problemOrigin, fts *[][]any) (int64, error) {
	cols := append(problemInsertCols[:len(problemInsertCols):len(problemInsertCols)],
		"reporter_phone", "reporter_phone_bi", "created_unit_id", "created_cadre_id", "visit_id")
	args := make([]any, 0, len(cols)+1)
	for _, c := range problemInsertCols {
		args = append(args, problemFieldOf(c).val(p))
	}
	args = append(args, db.seal(p.ReporterPhone, aadReporterPhone), db.index(seal.Phone, p.ReporterPhone),
		nullInt(o.unitID), nullInt(o.cadreID), nullInt(o.visitID))
	vals := placeholders(len(cols))
	doc := sanlian.SearchDocument(p.Title, p.Description)
	if db.Dialect == Postgres {
		cols = append(cols, "search")
		vals += ", to_tsvector('simple', ?)"
		args = append(args, doc)
	}
	id, err := tx.insertID(`INSERT INTO problems (`+strings.Join(cols, ", ")+`) VALUES (`+vals+`)`, args...)
	if err != nil {
		return 0, err
	}
	if db.Dialect == SQLite {
		if fts != nil {
			*fts = append(*fts, []any{id, doc})
		} else if _, err := tx.exec(`INSERT INTO problem_fts (rowid, tokens) VALUES (?, ?)`, id, doc); err != nil {
			return 0, fmt.Errorf("index problem %d: %w", id, err)
		}
	}
	return id, nil
}
