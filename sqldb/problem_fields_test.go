package sqldb_test

import (
	"reflect"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestProblemFields_FullScan writes every field of a problem that an
// UPDATE may set to a value unlike its default, and reads the problem
// back: each field, and each name read beside them, comes back in its
// place.
func TestProblemFields_FullScan(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-04-30 10:00")
		other := newProblem(t, db, users["cadre"], "另一个问题")
		p := newProblem(t, db, users["cadre"], "村口路灯坏了")
		at := func(d int) time.Time { return time.Date(2021, 5, d, 1, 2, 3, 0, time.UTC) }
		want := *p
		want.State, want.Source, want.Urgency = sanlian.StateClosed, "hotline", sanlian.UrgencyUrgent
		want.HouseholdID, want.UnitID, want.PersonID, want.MergedInto, want.RuleID = 1, 1, 2, other.ID, 7
		want.AssignedAt, want.AcceptDue, want.AcceptedAt, want.ResolveDue = at(1), at(2), at(3), at(4)
		want.ResolvedAt, want.ClosedAt, want.CallbackAt, want.AssignDue = at(5), at(6), at(7), at(8)
		want.Measures, want.Result, want.RejectReason = "更换灯泡", "已修好", "不属实"
		want.CallbackSolved, want.CallbackSatisfaction = "yes", "satisfied"
		want.Reopened, want.ExtensionUntil, want.ExtensionReason, want.DueProvisional = 2, "2021-06-01", "雨季", true
		want.Title, want.Description, want.ReporterName = "新标题", "新描述", "张三"
		err := db.SetProblemForTest(sqldbtest.As(users["office"]), &want, "state", "source", "urgency", "household_id",
			"unit_id", "person_id", "merged_into", "rule_id", "assigned_at", "accept_due", "accepted_at", "resolve_due",
			"resolved_at", "closed_at", "callback_at", "assign_due", "measures", "result", "reject_reason",
			"callback_solved", "callback_satisfaction", "reopened", "extension_until", "extension_reason",
			"due_provisional", "title", "description", "reporter_name")
		MustOK(t, err)
		got, err := db.Problems.FindProblemByID(sqldbtest.As(users["office"]), p.ID)
		MustOK(t, err)
		if got.UnitName == "" || got.PersonName == "" || got.HeadName == "" || got.CategoryName == "" ||
			got.VillageName == "" || got.TownshipName == "" || got.TownshipCode == "" {
			t.Errorf("names not read: %+v", got)
		}
		if got.ReporterPhone != "139****5678" || got.CreatedBy != users["cadre"].ID || got.CreatedAt.IsZero() || got.Version != 1 {
			t.Errorf("entry fields: phone %q created by %d at %v version %d", got.ReporterPhone, got.CreatedBy, got.CreatedAt, got.Version)
		}
		want.UnitName, want.PersonName, want.HeadName, want.CoUnits = got.UnitName, got.PersonName, got.HeadName, got.CoUnits
		want.Overdue = got.Overdue
		norm := func(p *sanlian.Problem) {
			for _, t := range []*time.Time{&p.AssignedAt, &p.AcceptDue, &p.AcceptedAt, &p.ResolveDue, &p.ResolvedAt,
				&p.ClosedAt, &p.CallbackAt, &p.AssignDue, &p.CreatedAt, &p.UpdatedAt} {
				if !t.IsZero() {
					*t = t.UTC()
				}
			}
		}
		norm(&want)
		norm(got)
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("read back\n%+v\nwant\n%+v", *got, want)
		}
	})
}
