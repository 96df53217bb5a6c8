package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"sanlian"
)

// workbenchProblemWhere adds the workbench's own-unit conditions of f
// (sanlian.ProblemFilter.OwnUnits, CoPartOwed, Reassign) for the caller s.
func workbenchProblemWhere(s *scope, f sanlian.ProblemFilter, w *where) {
	if !f.OwnUnits && !f.CoPartOwed && !f.Reassign {
		return
	}
	var units string
	var args []any
	switch s.role() {
	case sanlian.RoleUnitAdmin:
		units, args = inList("%s", len(s.unitIDs)), int64s(s.unitIDs)
	case sanlian.RoleCadre:
		units, args = "%s = (SELECT unit_id FROM cadres WHERE id = ?)", []any{s.cadreID}
	default:
		if !s.all {
			w.add(never)
			return
		}
	}
	col := func(c string) string {
		if units == "" {
			return "1 = 1"
		}
		return strings.ReplaceAll(units, "%s", c)
	}
	if f.OwnUnits {
		w.add(col("p.unit_id"), args...)
	}
	if f.Reassign {
		w.add("p.state IN ('assigned', 'accepted') AND "+col("p.unit_id")+
			" AND EXISTS (SELECT 1 FROM cadres rc WHERE rc.id = p.person_id AND rc.unit_id <> p.unit_id)", args...)
	}
	if f.CoPartOwed {
		w.add("p.state IN ('assigned', 'accepted') AND EXISTS (SELECT 1 FROM problem_co_units wc WHERE wc.problem_id = p.id AND "+
			col("wc.unit_id")+" AND NOT EXISTS (SELECT 1 FROM problem_parts wp WHERE wp.problem_id = wc.problem_id AND wp.unit_id = wc.unit_id))", args...)
	}
}

// CadreHouseholds implements sanlian.WorkbenchService.
func (db *ReportStore) CadreHouseholds(ctx context.Context) ([]*sanlian.LinkedHousehold, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != sanlian.RoleCadre || u.CadreID == 0 {
		return nil, errForbidden("只有党员干部有联系户")
	}
	rows, err := db.query(ctx, `SELECT h.id, h.village_code, h.head_name, h.tags, v.name,
		COALESCE((SELECT MAX(vi.date) FROM visits vi WHERE vi.household_id = h.id AND vi.kind = 'household'), '')
		FROM links l JOIN households h ON h.id = l.household_id JOIN regions v ON v.code = h.village_code
		WHERE l.kind = 'household' AND l.ended_at IS NULL AND l.cadre_id = ? ORDER BY h.id`, u.CadreID)
	if err != nil {
		return nil, fmt.Errorf("cadre households %d: %w", u.CadreID, err)
	}
	defer rows.Close()
	var out []*sanlian.LinkedHousehold
	for rows.Next() {
		h := &sanlian.LinkedHousehold{Household: &sanlian.Household{}}
		var tags string
		if err := rows.Scan(&h.Household.ID, &h.Household.VillageCode, &h.Household.HeadName, &tags, &h.VillageName, &h.LastVisit); err != nil {
			return nil, err
		}
		h.Household.Tags = decodeTags(tags)
		h.Household.VillageName = h.VillageName
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sanlian.FinishLinkedHouseholds(out, db.Now())
	return out, nil
}

// accounts loads every account and the ids of those that ever logged in,
// for the system and security administrators.
func (db *ReportStore) accounts(ctx context.Context) ([]*sanlian.User, map[int64]bool, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := mayReadAccounts(u); err != nil {
		return nil, nil, err
	}
	users, err := db.Accounts.FindUsers(ctx)
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.query(ctx, `SELECT DISTINCT entity_id FROM audit_log WHERE action = 'login' AND entity = 'user'`)
	if err != nil {
		return nil, nil, fmt.Errorf("logins: %w", err)
	}
	defer rows.Close()
	in := map[int64]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, nil, err
		}
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			in[n] = true
		}
	}
	return users, in, rows.Err()
}

// AccountSummary implements sanlian.WorkbenchService.
func (db *ReportStore) AccountSummary(ctx context.Context) (*sanlian.AccountSummary, error) {
	users, in, err := db.accounts(ctx)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	out := &sanlian.AccountSummary{Total: len(users)}
	byRole := map[sanlian.Role]int{}
	counts := map[string]*int{sanlian.AccountLocked: &out.Locked, sanlian.AccountDisabled: &out.Disabled,
		sanlian.AccountNever: &out.Never, sanlian.AccountRecent: &out.Recent, sanlian.AccountNo2FA: &out.No2FA}
	for _, u := range users {
		byRole[u.Role]++
		for st, n := range counts {
			if sanlian.AccountIs(u, st, now, in[u.ID]) {
				*n++
			}
		}
	}
	for _, r := range sanlian.Roles {
		out.ByRole = append(out.ByRole, sanlian.RoleCount{Role: r, Count: byRole[r]})
	}
	return out, nil
}

// FindAccounts implements sanlian.WorkbenchService.
func (db *ReportStore) FindAccounts(ctx context.Context, f sanlian.AccountFilter) ([]*sanlian.User, error) {
	users, in, err := db.accounts(ctx)
	if err != nil {
		return nil, err
	}
	now := db.Now()
	out := []*sanlian.User{}
	for _, u := range users {
		if (f.Role == "" || u.Role == f.Role) && sanlian.AccountIs(u, f.Status, now, in[u.ID]) {
			out = append(out, u)
		}
	}
	return out, nil
}

// AuditSummary implements sanlian.WorkbenchService.
func (db *ReportStore) AuditSummary(ctx context.Context) (*sanlian.AuditSummary, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if u.Role != sanlian.RoleAuditor && u.Role != sanlian.RoleOffice {
		return nil, errForbidden("只有审计员和县办公室可以查看审计日志")
	}
	out := &sanlian.AuditSummary{}
	out.TodayFrom, out.WeekFrom = sanlian.AuditWindows(db.Now())
	count := func(from any) ([]sanlian.ActionCount, error) {
		rows, err := db.query(ctx, `SELECT action, COUNT(*) FROM audit_log WHERE at >= ? GROUP BY action ORDER BY COUNT(*) DESC, action`, from)
		if err != nil {
			return nil, fmt.Errorf("audit summary: %w", err)
		}
		defer rows.Close()
		out := []sanlian.ActionCount{}
		for rows.Next() {
			var c sanlian.ActionCount
			if err := rows.Scan(&c.Action, &c.Count); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, rows.Err()
	}
	if out.Today, err = count(out.TodayFrom.UTC()); err != nil {
		return nil, err
	}
	if out.Week, err = count(out.WeekFrom.UTC()); err != nil {
		return nil, err
	}
	for _, c := range out.Week {
		if c.Action == "reveal" {
			out.Reveals = c.Count
		}
	}
	return out, nil
}

var _ sanlian.WorkbenchService = (*ReportStore)(nil)
