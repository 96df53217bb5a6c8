package sqldb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestAuditService_Writes checks that every write adds exactly one audit
// row naming the actor, the entity and what changed, before and after.
func TestAuditService_Writes(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		unitadmin := sqldbtest.As(users["unitadmin"])
		newID := sqldbtest.IDNumber("43092319900303123")
		for _, tc := range []struct {
			name     string
			actor    string
			write    func() error
			action   string
			entity   string
			entityID string
			changes  map[string][2]string // fmt.Sprint of before and after
		}{
			{"CreateUnit", "office", func() error {
				return db.Org.CreateUnit(office, &sanlian.Unit{Name: "县教育局", Kind: sanlian.UnitDepartment, ParentID: 5})
			}, "create", "unit", "6", map[string][2]string{
				"name": {"<nil>", "县教育局"}, "kind": {"<nil>", "department"}, "parent_id": {"<nil>", "5"}}},
			{"UpdateUnit", "unitadmin", func() error {
				_, err := db.Org.UpdateUnit(unitadmin, 2, sanlian.UnitUpdate{Name: ptr("社会救助股"), Version: 1})
				return err
			}, "update", "unit", "2", map[string][2]string{"name": {"县民政局社会救助股", "社会救助股"}}},
			{"CreateCadre", "unitadmin", func() error {
				return db.Org.CreateCadre(unitadmin, &sanlian.Cadre{Name: "周敏", UnitID: 2, Phone: "13512340000"})
			}, "create", "cadre", "7", map[string][2]string{
				"name": {"<nil>", "周敏"}, "unit_id": {"<nil>", "2"}, "phone": {"<nil>", "135****0000"}, "is_leader": {"<nil>", "false"}}},
			{"UpdateCadre", "office", func() error {
				_, err := db.Org.UpdateCadre(office, 6, sanlian.CadreUpdate{Post: ptr("副科长"), Phone: ptr("13612341234"), Version: 1})
				return err
			}, "update", "cadre", "6", map[string][2]string{
				"post": {"科员", "副科长"}, "phone": {"138****0006", "136****1234"}}},
			{"CreateHousehold", "unitadmin", func() error {
				return db.Org.CreateHousehold(unitadmin, &sanlian.Household{VillageCode: sqldbtest.VillageA, HeadName: "吴新",
					IDNumber: newID, Phone: "13711112222", Members: 2})
			}, "create", "household", "21", map[string][2]string{
				"village": {"<nil>", sqldbtest.VillageA}, "head_name": {"<nil>", "吴新"},
				"id_number": {"<nil>", sanlian.MaskIDNumber(newID)}, "phone": {"<nil>", "137****2222"}, "tags": {"<nil>", ""}}},
			{"UpdateHousehold", "office", func() error {
				_, err := db.Org.UpdateHousehold(office, 12, sanlian.HouseholdUpdate{HeadName: ptr("杨二"), Phone: ptr("13899990000"),
					Tags: &[]sanlian.Tag{{Kind: sanlian.TagKeyGroup, Sub: "留守"}}, Version: 1})
				return err
			}, "update", "household", "12", map[string][2]string{
				"head_name": {smallHousehold(12).HeadName, "杨二"}, "phone": {"139****0012", "138****0000"},
				"tags": {"", "key_group:留守"}}},
			{"CreateLink", "office", func() error {
				return db.Org.CreateLinks(office, []*sanlian.Link{householdLink(6, 13)})
			}, "create", "link", "14", map[string][2]string{
				"kind": {"<nil>", "household"}, "cadre_id": {"<nil>", "6"}, "household_id": {"<nil>", "13"}}},
			{"EndLink", "unitadmin", func() error {
				_, err := db.Org.EndLink(unitadmin, 9)
				return err
			}, "end", "link", "9", map[string][2]string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := auditRows(t, raw)
				MustOK(t, tc.write())
				if n := auditRows(t, raw); n != before+1 {
					t.Fatalf("audit rows %d → %d, want exactly one more", before, n)
				}
				e := MustLastAudit(t, db, users)
				if e.Actor != tc.actor || e.ActorID != users[tc.actor].ID || e.Action != tc.action ||
					e.Entity != tc.entity || e.EntityID != tc.entityID {
					t.Errorf("audit row = %s %d %s %s %s, want %s %s %s %s",
						e.Actor, e.ActorID, e.Action, e.Entity, e.EntityID, tc.actor, tc.action, tc.entity, tc.entityID)
				}
				if e.At.IsZero() || time.Since(e.At) > time.Hour {
					t.Errorf("audit row at %v", e.At)
				}
				got := auditChanges(t, e)
				for field, want := range tc.changes {
					c, ok := got[field]
					if !ok {
						t.Errorf("changes lack %q: %s", field, e.Changes)
						continue
					}
					if b, a := fmt.Sprint(c[0]), fmt.Sprint(c[1]); b != want[0] || a != want[1] {
						t.Errorf("changes[%q] = [%s, %s], want [%s, %s]", field, b, a, want[0], want[1])
					}
				}
				if tc.action == "update" && len(got) != len(tc.changes) {
					t.Errorf("update records %d fields, want only the %d changed: %s", len(got), len(tc.changes), e.Changes)
				}
				if tc.action == "end" {
					if _, ok := got["ended_at"]; !ok {
						t.Errorf("end link changes = %s", e.Changes)
					}
				}
			})
		}
	})
}

// TestAuditService_NoPersonalData writes and reveals personal data in
// every way the services allow, then searches the whole audit log for it.
func TestAuditService_NoPersonalData(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		secrets := []string{}
		for id := int64(1); id <= 20; id++ {
			secrets = append(secrets, smallHousehold(id).IDNumber, smallHousehold(id).Phone)
		}
		for id := int64(1); id <= 6; id++ {
			secrets = append(secrets, smallCadre(id).Phone)
		}
		newID := sqldbtest.IDNumber("43092319900303777")
		newID2 := sqldbtest.IDNumber("43092319910404888")
		secrets = append(secrets, newID, newID2, "13711113333", "13711114444", "13722225555", "13722226666")

		h := &sanlian.Household{VillageCode: sqldbtest.VillageB, HeadName: "冯新", IDNumber: newID, Phone: "13711113333", Members: 1}
		MustOK(t, db.Org.CreateHousehold(office, h))
		_, err := db.Org.UpdateHousehold(office, h.ID, sanlian.HouseholdUpdate{IDNumber: &newID2, Phone: ptr("13711114444"), Version: 1})
		MustOK(t, err)
		// The same mask before and after: the change must still not be whole.
		_, err = db.Org.UpdateHousehold(office, 1, sanlian.HouseholdUpdate{Phone: ptr("13955550001"), Version: 1})
		MustOK(t, err)
		c := &sanlian.Cadre{Name: "褚新", UnitID: 1, Phone: "13722225555"}
		MustOK(t, db.Org.CreateCadre(office, c))
		_, err = db.Org.UpdateCadre(office, c.ID, sanlian.CadreUpdate{Phone: ptr("13722226666"), Version: 1})
		MustOK(t, err)
		_, _, err = db.Org.RevealHousehold(office, h.ID)
		MustOK(t, err)
		_, err = db.Org.RevealCadrePhone(office, c.ID)
		MustOK(t, err)

		rows, err := raw.Query("SELECT id, action, entity, changes FROM audit_log ORDER BY id")
		MustOK(t, err)
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id int64
			var action, entity, changes string
			MustOK(t, rows.Scan(&id, &action, &entity, &changes))
			n++
			if leak := containsAny(changes, secrets...); leak != "" {
				t.Errorf("audit row %d (%s %s) holds %q whole: %s", id, action, entity, leak, changes)
			}
		}
		MustOK(t, rows.Err())
		if n != 8 {
			t.Errorf("audit rows = %d, want 8 (the load, five writes, two reveals)", n)
		}
		// The same-mask phone change is still visible as a change.
		es, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{Entity: "household", EntityID: "1"})
		MustOK(t, err)
		if len(es) != 1 || !strings.Contains(es[0].Changes, "139****0001") || !strings.Contains(es[0].Changes, "已更改") {
			t.Errorf("household 1 audit = %+v", es)
		}
	})
}

// TestAuditLog_AppendOnly goes around the services with raw SQL: the
// database itself must refuse to change or remove audit rows.
func TestAuditLog_AppendOnly(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		_, err := db.Org.UpdateHousehold(sqldbtest.As(users["office"]), 3, sanlian.HouseholdUpdate{Members: ptr(5), Version: 1})
		MustOK(t, err)
		before := auditRows(t, raw)
		if before != 2 {
			t.Fatalf("audit rows = %d, want 2", before)
		}
		var actor string
		MustOK(t, raw.QueryRow("SELECT actor FROM audit_log WHERE action = 'update'").Scan(&actor))

		for _, q := range []string{
			"UPDATE audit_log SET actor = 'mallory'",
			"UPDATE audit_log SET changes = '' WHERE action = 'update'",
			"DELETE FROM audit_log",
			"DELETE FROM audit_log WHERE action = 'update'",
		} {
			if _, err := raw.Exec(q); err == nil {
				t.Errorf("%s: accepted", q)
			}
		}
		if db.Dialect == sqldb.Postgres {
			if _, err := raw.Exec("TRUNCATE audit_log"); err == nil {
				t.Error("TRUNCATE audit_log: accepted")
			}
		}
		// Not even inside a transaction that would hide the attempt.
		tx, err := raw.Begin()
		MustOK(t, err)
		if _, err := tx.Exec("DELETE FROM audit_log"); err == nil {
			t.Error("DELETE in a transaction: accepted")
		}
		tx.Rollback()

		if n := auditRows(t, raw); n != before {
			t.Errorf("audit rows %d → %d", before, n)
		}
		var after string
		MustOK(t, raw.QueryRow("SELECT actor FROM audit_log WHERE action = 'update'").Scan(&after))
		if after != actor || after != "office" {
			t.Errorf("actor %q → %q", actor, after)
		}
		// Inserting stays possible: the log is append-only, not read-only.
		if _, err := raw.Exec("INSERT INTO audit_log (at, actor, action, entity) VALUES (CURRENT_TIMESTAMP, 'test', 'probe', 'none')"); err != nil {
			t.Errorf("insert: %v", err)
		}
	})
}

func TestAuditService_FindAudit(t *testing.T) {
	t.Parallel()
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		// The load, then three writes, an hour apart.
		clk := newClock(db)
		users := sqldbtest.LoadSmall(t, db)
		office := sqldbtest.As(users["office"])
		auditor := sqldbtest.As(users["auditor"])
		clk.Advance(time.Hour)
		t1 := clk.Now()
		_, err := db.Org.UpdateHousehold(office, 2, sanlian.HouseholdUpdate{Members: ptr(4), Version: 1})
		MustOK(t, err)
		clk.Advance(time.Hour)
		t2 := clk.Now()
		_, err = db.Org.UpdateUnit(sqldbtest.As(users["unitadmin"]), 1, sanlian.UnitUpdate{Name: ptr("安化县民政局"), Version: 1})
		MustOK(t, err)
		clk.Advance(time.Hour)
		t3 := clk.Now()
		_, err = db.Org.UpdateHousehold(office, 2, sanlian.HouseholdUpdate{Members: ptr(5), Version: 2})
		MustOK(t, err)

		find := func(t *testing.T, f sanlian.AuditFilter) []string {
			t.Helper()
			es, _, err := db.FindAudit(auditor, f)
			MustOK(t, err)
			var out []string
			for _, e := range es {
				out = append(out, e.Action+":"+e.Entity+":"+e.EntityID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    sanlian.AuditFilter
			want string
		}{
			{"All", sanlian.AuditFilter{}, "[update:household:2 update:unit:1 update:household:2 load:county:]"},
			{"Actor", sanlian.AuditFilter{Actor: "unitadmin"}, "[update:unit:1]"},
			{"ActorSystem", sanlian.AuditFilter{Actor: "system"}, "[load:county:]"},
			{"Action", sanlian.AuditFilter{Action: "load"}, "[load:county:]"},
			{"Entity", sanlian.AuditFilter{Entity: "household"}, "[update:household:2 update:household:2]"},
			{"EntityID", sanlian.AuditFilter{Entity: "unit", EntityID: "1"}, "[update:unit:1]"},
			{"EntityIDNone", sanlian.AuditFilter{Entity: "unit", EntityID: "2"}, "[]"},
			{"From", sanlian.AuditFilter{From: t2}, "[update:household:2 update:unit:1]"},
			{"To", sanlian.AuditFilter{Entity: "household", To: t2}, "[update:household:2]"},
			{"FromTo", sanlian.AuditFilter{From: t2, To: t3}, "[update:unit:1]"},
			{"FromToShanghai", sanlian.AuditFilter{From: t1.Add(30 * time.Minute).In(sanlian.Shanghai), To: t3.Add(time.Second).UTC()}, "[update:household:2 update:unit:1]"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := fmt.Sprint(find(t, tc.f)); got != tc.want {
					t.Errorf("FindAudit(%+v) = %s, want %s", tc.f, got, tc.want)
				}
			})
		}
		t.Run("Cursor", func(t *testing.T) {
			var ids []int64
			cursor := ""
			for range 10 {
				es, next, err := db.FindAudit(auditor, sanlian.AuditFilter{Limit: 3, Cursor: cursor})
				MustOK(t, err)
				for _, e := range es {
					ids = append(ids, e.ID)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			if len(ids) != 4 {
				t.Fatalf("walked %v, want 4 rows", ids)
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] >= ids[i-1] {
					t.Errorf("ids %v not newest first", ids)
				}
			}
		})
		t.Run("OKOffice", func(t *testing.T) {
			es, _, err := db.FindAudit(office, sanlian.AuditFilter{})
			MustOK(t, err)
			if len(es) != 4 {
				t.Errorf("office sees %d rows, want 4", len(es))
			}
		})
		for _, role := range []string{"cadre", "cadre5", "leader", "unitadmin", "sysadmin"} {
			t.Run("ErrForbidden/"+role, func(t *testing.T) {
				_, _, err := db.FindAudit(sqldbtest.As(users[role]), sanlian.AuditFilter{})
				MustCode(t, err, sanlian.EFORBIDDEN)
			})
		}
		t.Run("ErrUnauthorized", func(t *testing.T) {
			_, _, err := db.FindAudit(t.Context(), sanlian.AuditFilter{})
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
	})
}

func TestAuditService_RecordExport(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		before := auditRows(t, raw)
		MustOK(t, db.RecordExport(sqldbtest.As(users["unitadmin"]), "household", "乡镇：东坪镇", 7))
		if n := auditRows(t, raw); n != before+1 {
			t.Fatalf("audit rows %d, want %d", n, before+1)
		}
		e := MustLastAudit(t, db, users)
		ch := auditChanges(t, e)
		if e.Actor != "unitadmin" || e.Action != "export" || e.Entity != "household" || e.EntityID != "" ||
			ch["filter"][1] != "乡镇：东坪镇" || ch["rows"][1] != float64(7) {
			t.Errorf("audit %+v %v", e, ch)
		}
		MustCode(t, db.RecordExport(context.Background(), "cadre", "", 1), sanlian.EUNAUTHORIZED)
		if n := auditRows(t, raw); n != before+1 {
			t.Errorf("an anonymous export wrote %d rows", n-before-1)
		}
	})
}
