package sqldb

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"sanlian"
)

var _ sanlian.ListsService = (*ListStore)(nil)

// listPage is how many lines each list service is asked for at a time.
const listPage = 500

// FindLists implements sanlian.ListsService. It assembles the three lists
// from the problem, project and responsibility services, so that each
// list keeps its own scope; the counts cover every line in scope, the
// lines stop at the limit. With neither unit nor person, a unit admin gets
// their unit's lists, a cadre their own, the office and leaders the
// county's (everything in their scope).
func (db *ListStore) FindLists(ctx context.Context, f sanlian.ListsFilter) (*sanlian.ThreeLists, error) {
	u, err := mustUser(ctx)
	if err != nil {
		return nil, err
	}
	if f.UnitID != 0 && f.PersonID != 0 {
		return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "请只选择一个单位或一个人"}
	}
	if f.UnitID < 0 || f.PersonID < 0 {
		return nil, &sanlian.Error{Code: sanlian.EINVALID, Message: "单位或人员编号不正确"}
	}
	limit := f.Limit
	if limit <= 0 || limit > sanlian.MaxListLines {
		limit = sanlian.MaxListLines
	}
	if f.UnitID == 0 && f.PersonID == 0 {
		switch u.Role {
		case sanlian.RoleUnitAdmin:
			f.UnitID = u.UnitID
		case sanlian.RoleCadre:
			f.PersonID = u.CadreID
		}
	}
	l := &sanlian.ThreeLists{UnitID: f.UnitID, PersonID: f.PersonID, Name: "全县"}
	switch {
	case f.UnitID != 0:
		unit, err := db.Org.FindUnitByID(ctx, f.UnitID)
		if err != nil {
			return nil, err
		}
		l.Name = unit.Name
	case f.PersonID != 0:
		c, err := db.Org.FindCadreByID(ctx, f.PersonID)
		if err != nil {
			return nil, err
		}
		l.Name, l.UnitName = c.Name, c.UnitName
	case u.Role != sanlian.RoleOffice && u.Role != sanlian.RoleLeader:
		return nil, errForbidden("您的角色无权查看三个清单")
	}

	if err := db.listProblems(ctx, f, limit, l); err != nil {
		return nil, err
	}
	if l.UnitHeads, err = db.unitHeads(ctx); err != nil {
		return nil, err
	}
	if err := db.listProjects(ctx, f, limit, l); err != nil {
		return nil, err
	}
	if err := db.listResponsibilities(ctx, f, limit, l); err != nil {
		return nil, err
	}
	// A ledger reads oldest first: by running number.
	slices.SortStableFunc(l.Problems, func(a, b *sanlian.Problem) int { return cmp.Compare(a.Number, b.Number) })
	sortResponsibilities(l.Responsibilities)
	return l, nil
}

// listProblems fills the problem list: the problems the unit leads or
// co-handles, or those assigned to the person, merged ones left out (they live on in the
// problem they were merged into). Open counts those still to be handled;
// done those resolved or closed.
func (db *ListStore) listProblems(ctx context.Context, f sanlian.ListsFilter, limit int, l *sanlian.ThreeLists) error {
	pf := sanlian.ProblemFilter{UnitID: f.UnitID, WithCoUnits: f.UnitID != 0, PersonID: f.PersonID, Limit: listPage}
	counts, err := db.Problems.CountProblemsByState(ctx, pf)
	if err != nil {
		return err
	}
	for _, c := range counts {
		switch c.State {
		case sanlian.StateMerged:
			continue
		case sanlian.StateSubmitted, sanlian.StateAssigned, sanlian.StateAccepted:
			l.ProblemCounts.Open += c.Count
		case sanlian.StateResolved, sanlian.StateClosed:
			l.ProblemCounts.Done += c.Count
		}
		l.ProblemCounts.Total += c.Count
	}
	overdue := true
	of := pf
	of.Overdue = &overdue
	oc, err := db.Problems.CountProblemsByState(ctx, of)
	if err != nil {
		return err
	}
	for _, c := range oc {
		if c.State != sanlian.StateMerged {
			l.ProblemCounts.Overdue += c.Count
		}
	}
	l.Problems = []*sanlian.Problem{}
	for {
		page, next, err := db.Problems.FindProblems(ctx, pf)
		if err != nil {
			return err
		}
		for _, p := range page {
			if p.State == sanlian.StateMerged {
				continue
			}
			if len(l.Problems) == limit {
				l.Truncated = true
				return nil
			}
			l.Problems = append(l.Problems, p)
		}
		if next == "" {
			return nil
		}
		pf.Cursor = next
	}
}

// listProjects fills the project list and counts it.
func (db *ListStore) listProjects(ctx context.Context, f sanlian.ListsFilter, limit int, l *sanlian.ThreeLists) error {
	pf := sanlian.ProjectFilter{UnitID: f.UnitID, PersonID: f.PersonID, Limit: listPage}
	l.Projects = []*sanlian.Project{}
	for {
		page, next, err := db.FindProjects(ctx, pf)
		if err != nil {
			return err
		}
		for _, p := range page {
			count(&l.ProjectCounts, p.Status == sanlian.ProjectDone, p.Overdue)
			if len(l.Projects) < limit {
				l.Projects = append(l.Projects, p)
			} else {
				l.Truncated = true
			}
		}
		if next == "" {
			return nil
		}
		pf.Cursor = next
	}
}

// listResponsibilities fills the responsibility list, entered and derived
// lines together, and counts it.
func (db *ListStore) listResponsibilities(ctx context.Context, f sanlian.ListsFilter, limit int, l *sanlian.ThreeLists) error {
	rf := sanlian.ResponsibilityFilter{UnitID: f.UnitID, PersonID: f.PersonID, Limit: listPage}
	l.Responsibilities = []*sanlian.Responsibility{}
	for {
		page, next, err := db.FindResponsibilities(ctx, rf)
		if err != nil {
			return err
		}
		for _, r := range page {
			count(&l.ResponsibilityCounts, r.State == sanlian.RespDone, r.Overdue)
			if len(l.Responsibilities) < limit {
				l.Responsibilities = append(l.Responsibilities, r)
			} else {
				l.Truncated = true
			}
		}
		if next == "" {
			return nil
		}
		rf.Cursor = next
	}
}

// sortResponsibilities orders the responsibility list by deadline, then
// by what the lines are — problems, projects, dispatch decisions, entered
// tasks, each by its number or title — rather than by row ids, so that the
// same lists read the same in any database they are imported into.
func sortResponsibilities(rs []*sanlian.Responsibility) {
	rank := map[string]int{}
	for i, s := range sanlian.RespSources {
		rank[s] = i
	}
	slices.SortStableFunc(rs, func(a, b *sanlian.Responsibility) int {
		return cmp.Or(cmp.Compare(a.Deadline, b.Deadline), cmp.Compare(rank[a.Source], rank[b.Source]),
			cmp.Compare(a.SourceRef, b.SourceRef), cmp.Compare(a.Task, b.Task))
	})
}

// count adds one line to c.
func count(c *sanlian.ListCounts, done, overdue bool) {
	c.Total++
	if done {
		c.Done++
	} else {
		c.Open++
	}
	if overdue {
		c.Overdue++
	}
}

// unitHeads names the head cadre of every unit that has one: a county has
// a few hundred units.
func (db *ListStore) unitHeads(ctx context.Context) (map[int64]string, error) {
	rows, err := db.query(ctx, `SELECT u.id, c.name FROM units u JOIN cadres c ON c.id = u.head_cadre_id`)
	if err != nil {
		return nil, fmt.Errorf("unit heads: %w", err)
	}
	defer rows.Close()
	heads := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		heads[id] = name
	}
	return heads, rows.Err()
}
