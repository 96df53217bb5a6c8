package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"sanlian"
)

const visitSelect = `SELECT v.id, v.kind, v.date, COALESCE(v.cadre_id, 0), COALESCE(v.unit_id, 0), COALESCE(v.household_id, 0),
	COALESCE(v.region_code, ''), v.met, v.findings, COALESCE(v.created_by, 0), v.created_at,
	COALESCE(c.name, ''), COALESCE(u.name, ''), COALESCE(h.head_name, ''), COALESCE(r.name, '')
	FROM visits v LEFT JOIN cadres c ON c.id = v.cadre_id LEFT JOIN units u ON u.id = v.unit_id
	LEFT JOIN households h ON h.id = v.household_id LEFT JOIN regions r ON r.code = v.region_code`

func scanVisit(sc scanner) (*sanlian.Visit, error) {
	v := &sanlian.Visit{}
	err := sc.Scan(&v.ID, &v.Kind, &v.Date, &v.CadreID, &v.UnitID, &v.HouseholdID, &v.RegionCode, &v.Met, &v.Findings,
		&v.CreatedBy, &v.CreatedAt, &v.CadreName, &v.UnitName, &v.HeadName, &v.RegionName)
	v.Visitors, v.TopicIDs, v.ProblemIDs = []int64{}, []int64{}, []int64{}
	return v, err
}

// visits adds the condition limiting visits aliased v: a leader sees the
// linked townships, a unit admin the visits of its units and their cadres,
// a cadre those they made or went on.
func (s *scope) visits(w *where) error {
	if err := s.personal(); err != nil {
		return err
	}
	switch {
	case s.all:
	case s.role() == sanlian.RoleLeader:
		w.add(inList("v.township_code", len(s.townships)), strArgs(s.townships)...)
	case s.role() == sanlian.RoleUnitAdmin:
		n := len(s.unitIDs)
		w.add("("+inList("v.unit_id", n)+" OR v.cadre_id IN (SELECT id FROM cadres WHERE "+inList("unit_id", n)+"))",
			append(int64s(s.unitIDs), int64s(s.unitIDs)...)...)
	case s.role() == sanlian.RoleCadre:
		w.add("(v.cadre_id = ? OR v.id IN (SELECT visit_id FROM visit_visitors WHERE cadre_id = ?))", s.cadreID, s.cadreID)
	default:
		w.add("1 = 0")
	}
	return nil
}

// CampaignStart is the first day visits may be recorded for.
func (db *WorkStore) campaignStart(q querier) (string, error) {
	var v string
	err := q.queryOne(`SELECT value FROM settings WHERE key = 'campaign_start'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "2021-01-01", nil
	}
	return v, err
}

// CreateVisit implements sanlian.VisitService.
func (db *WorkStore) CreateVisit(ctx context.Context, in *sanlian.VisitInput, key string) (*sanlian.Visit, bool, error) {
	key = strings.TrimSpace(key)
	if utf8.RuneCountInString(key) > sanlian.MaxIdempotency {
		return nil, false, sanlian.Errorf(sanlian.EINVALID, "Idempotency-Key 不能超过 100 个字符")
	}
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	u, err := mustUser(ctx)
	if err != nil {
		return nil, false, err
	}
	if key != "" {
		if v, err := db.visitByKey(ctx, u, key); err != nil || v != nil {
			return v, false, err
		}
	}
	var out *sanlian.Visit
	err = db.inTx(ctx, func(tx *Tx) error {
		s, err := db.scopeOf(ctx, tx)
		if err != nil {
			return err
		}
		id, err := db.createVisit(tx, s, in, key)
		if err != nil {
			return err
		}
		out, err = db.findVisit(tx, s, id)
		return err
	})
	if errors.Is(err, errUnique) && key != "" {
		// The same draft arrived twice at once: the other one won.
		v, ferr := db.visitByKey(ctx, u, key)
		if ferr == nil && v != nil {
			return v, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

func (db *WorkStore) visitByKey(ctx context.Context, u *sanlian.User, key string) (*sanlian.Visit, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT id FROM visits WHERE created_by = ? AND idempotency_key = ?`, nullInt(u.ID), key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("visit by key: %w", err)
	}
	return db.FindVisitByID(ctx, id)
}

// visitPlace is where a visit happens and on whose link.
type visitPlace struct {
	cadreID, unitID, householdID int64
	region, village, township    string
}

// placeVisit checks the visit's link for the caller and finds its village
// and township.
func (db *WorkStore) placeVisit(tx *Tx, s *scope, in *sanlian.VisitInput) (*visitPlace, error) {
	pl := &visitPlace{}
	role := s.role()
	switch in.Kind {
	case sanlian.VisitHousehold:
		pl.householdID = in.HouseholdID
		switch role {
		case sanlian.RoleCadre, sanlian.RoleLeader: // county leaders keep households of their own too
			pl.cadreID = s.user.CadreID
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM links WHERE kind = 'household' AND ended_at IS NULL AND cadre_id = ? AND household_id = ?`,
				pl.cadreID, in.HouseholdID).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, errForbidden("该农户不是您的联系户，不能登记走访；如需走访请先由单位建立联户关系")
			}
		case sanlian.RoleOffice, sanlian.RoleUnitAdmin:
			if len(in.Visitors) == 0 {
				return nil, sanlian.FieldErrors(map[string]string{"visitors": "请选择走访的干部"})
			}
			pl.cadreID = in.Visitors[0]
			var unit int64
			err := tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, pl.cadreID).Scan(&unit)
			if errors.Is(err, sql.ErrNoRows) {
				return nil, sanlian.FieldErrors(map[string]string{"visitors": "干部不存在"})
			} else if err != nil {
				return nil, err
			}
			if !s.mayManageCadresOf(unit) {
				return nil, errForbidden("该干部不在您的单位，不能代为登记走访")
			}
		default:
			return nil, errForbidden("您的角色不能登记入户走访")
		}
		h, err := db.Org.findHousehold(tx, s, in.HouseholdID)
		if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
			return nil, sanlian.FieldErrors(map[string]string{"household_id": "农户不存在或不在您的联系范围内"})
		} else if err != nil {
			return nil, err
		}
		pl.village = h.VillageCode
		pl.region = h.VillageCode
	case sanlian.VisitVillage:
		pl.region, pl.village = in.RegionCode, in.RegionCode
		if err := checkRegionKind(tx, in.RegionCode, sanlian.RegionVillage, "村(社区)"); err != nil {
			return nil, err
		}
		switch role {
		case sanlian.RoleCadre:
			if err := tx.queryRow(`SELECT unit_id FROM cadres WHERE id = ?`, s.cadreID).Scan(&pl.unitID); err != nil {
				return nil, err
			}
			pl.cadreID = s.cadreID
		case sanlian.RoleUnitAdmin:
			pl.unitID = s.user.UnitID
			if in.UnitID != 0 {
				if !s.hasUnit(in.UnitID) {
					return nil, errForbidden("只能为本单位或下属单位登记联村走访")
				}
				pl.unitID = in.UnitID
			}
		case sanlian.RoleOffice:
			pl.unitID = in.UnitID
			if pl.unitID == 0 {
				return nil, sanlian.FieldErrors(map[string]string{"unit_id": "请选择走访的单位"})
			}
		default:
			return nil, errForbidden("您的角色不能登记联村走访")
		}
		if role != sanlian.RoleOffice {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM links WHERE kind = 'village' AND ended_at IS NULL AND unit_id = ? AND region_code = ?`,
				pl.unitID, in.RegionCode).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				return nil, errForbidden("该村不是本单位的联系村，不能登记联村走访")
			}
		}
	case sanlian.VisitTownship:
		pl.region = in.RegionCode
		if err := checkRegionKind(tx, in.RegionCode, sanlian.RegionTownship, "乡镇"); err != nil {
			return nil, err
		}
		switch role {
		case sanlian.RoleLeader:
			pl.cadreID = s.user.CadreID
			found := false
			for _, t := range s.townships {
				found = found || t == in.RegionCode
			}
			if !found {
				return nil, errForbidden("该乡镇不是您的联系乡镇")
			}
		case sanlian.RoleOffice:
			if len(in.Visitors) == 0 {
				return nil, sanlian.FieldErrors(map[string]string{"visitors": "请选择调研的县级领导"})
			}
			pl.cadreID = in.Visitors[0]
		default:
			return nil, errForbidden("只有县级领导登记联系乡镇的调研")
		}
	}
	if pl.village != "" {
		if err := tx.queryRow(`SELECT COALESCE(parent_code, '') FROM regions WHERE code = ?`, pl.village).Scan(&pl.township); err != nil {
			return nil, err
		}
	} else {
		pl.township = pl.region
	}
	return pl, nil
}

func (db *WorkStore) createVisit(tx *Tx, s *scope, in *sanlian.VisitInput, key string) (int64, error) {
	pl, err := db.placeVisit(tx, s, in)
	if err != nil {
		return 0, err
	}
	start, err := db.campaignStart(tx)
	if err != nil {
		return 0, err
	}
	today := tx.now.In(sanlian.Shanghai).Format("2006-01-02")
	if in.Date > today {
		return 0, sanlian.FieldErrors(map[string]string{"date": "走访日期不能晚于今天（" + today + "）"})
	}
	if in.Date < start {
		return 0, sanlian.FieldErrors(map[string]string{"date": "走访日期不能早于活动开始日期 " + start})
	}
	topics := uniqueIDs(in.Topics)
	for _, id := range topics {
		var active bool
		err := tx.queryRow(`SELECT active FROM topics WHERE id = ?`, id).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, sanlian.FieldErrors(map[string]string{"topics": fmt.Sprintf("题目 %d 不存在", id)})
		} else if err != nil {
			return 0, err
		} else if !active {
			return 0, sanlian.FieldErrors(map[string]string{"topics": fmt.Sprintf("题目 %d 已停用，请选择题库中在用的题目", id)})
		}
	}
	visitors := uniqueIDs(append([]int64{pl.cadreID}, in.Visitors...))
	for _, id := range visitors {
		if id == 0 {
			continue
		}
		if err := exists(tx, "cadres", id, "visitors", fmt.Sprintf("干部 %d 不存在", id)); err != nil {
			return 0, err
		}
	}
	var keyArg any
	if key != "" {
		keyArg = key
	}
	id, err := tx.insertID(`INSERT INTO visits (kind, date, cadre_id, unit_id, household_id, region_code, village_code, township_code,
		met, findings, idempotency_key, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.Kind, in.Date, nullInt(pl.cadreID), nullInt(pl.unitID), nullInt(pl.householdID), nullStr(pl.region), nullStr(pl.village),
		nullStr(pl.township), in.Met, in.Findings, keyArg, nullInt(s.user.ID), tx.now)
	if err != nil {
		return 0, err
	}
	for _, t := range topics {
		if _, err := tx.exec(`INSERT INTO visit_topics (visit_id, topic_id) VALUES (?, ?)`, id, t); err != nil {
			return 0, err
		}
	}
	for _, c := range visitors {
		if c == 0 {
			continue
		}
		if _, err := tx.exec(`INSERT INTO visit_visitors (visit_id, cadre_id) VALUES (?, ?)`, id, c); err != nil {
			return 0, err
		}
	}
	var reporter string
	if pl.householdID != 0 {
		_ = tx.queryRow(`SELECT head_name FROM households WHERE id = ?`, pl.householdID).Scan(&reporter)
	}
	for i, vp := range in.Problems {
		p := &sanlian.ProblemInput{Source: sanlian.SourceVisit, Category: vp.Category, VillageCode: pl.village,
			HouseholdID: pl.householdID, ReporterName: reporter, Title: vp.Title, Description: vp.Description, Urgency: vp.Urgency}
		if pl.village == "" {
			p.VillageCode = vp.VillageCode
		}
		p.Normalize()
		if err := p.Validate(); err != nil {
			return 0, prefixFields(fmt.Sprintf("problems.%d.", i+1), fmt.Sprintf("第 %d 个问题：", i+1), err)
		}
		if _, err := db.Problems.createProblem(tx, s, p, id); err != nil {
			return 0, prefixFields(fmt.Sprintf("problems.%d.", i+1), fmt.Sprintf("第 %d 个问题：", i+1), err)
		}
	}
	return id, tx.audit("create", "visit", id, changes{"kind": {nil, in.Kind}, "date": {nil, in.Date},
		"household_id": {nil, pl.householdID}, "region": {nil, pl.region}, "topics": {nil, len(topics)}, "problems": {nil, len(in.Problems)}})
}

// prefixFields renames an error's fields under prefix and prefixes its message.
func prefixFields(prefix, msg string, err error) error {
	f := sanlian.ErrorFields(err)
	if f == nil {
		return err
	}
	out := map[string]string{}
	for k, v := range f {
		out[prefix+k] = v
	}
	return &sanlian.Error{Code: sanlian.ErrorCode(err), Message: msg + firstValue(f), Fields: out}
}

func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// FindVisitByID implements sanlian.VisitService.
func (db *WorkStore) FindVisitByID(ctx context.Context, id int64) (*sanlian.Visit, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	return db.findVisit(q, s, id)
}

func (db *WorkStore) findVisit(q querier, s *scope, id int64) (*sanlian.Visit, error) {
	w := &where{}
	if err := s.visits(w); err != nil {
		return nil, err
	}
	w.add("v.id = ?", id)
	v, err := scanVisit(q.queryOne(visitSelect+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound("走访记录")
	} else if err != nil {
		return nil, fmt.Errorf("find visit %d: %w", id, err)
	}
	if err := attachVisitDetails(q, []*sanlian.Visit{v}); err != nil {
		return nil, err
	}
	return v, nil
}

// attachVisitDetails fills visitors, topics and problems for a page of
// visits, three queries for the whole page.
func attachVisitDetails(q querier, vs []*sanlian.Visit) error {
	if len(vs) == 0 {
		return nil
	}
	ids := make([]int64, len(vs))
	byID := map[int64]*sanlian.Visit{}
	for i, v := range vs {
		ids[i], byID[v.ID] = v.ID, v
	}
	in := inList("x.visit_id", len(ids))
	read := func(query string, fn func(v *sanlian.Visit, id int64, name string)) error {
		rows, err := q.queryRows(query, int64s(ids)...)
		if err != nil {
			return fmt.Errorf("visit details: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var vid, id int64
			var name string
			if err := rows.Scan(&vid, &id, &name); err != nil {
				return err
			}
			fn(byID[vid], id, name)
		}
		return rows.Err()
	}
	if err := read(`SELECT x.visit_id, x.cadre_id, c.name FROM visit_visitors x JOIN cadres c ON c.id = x.cadre_id WHERE `+in+` ORDER BY x.cadre_id`,
		func(v *sanlian.Visit, id int64, name string) {
			v.Visitors, v.VisitorNames = append(v.Visitors, id), append(v.VisitorNames, name)
		}); err != nil {
		return err
	}
	if err := read(`SELECT x.visit_id, x.topic_id, t.question FROM visit_topics x JOIN topics t ON t.id = x.topic_id WHERE `+in+` ORDER BY x.topic_id`,
		func(v *sanlian.Visit, id int64, name string) {
			v.TopicIDs, v.TopicNames = append(v.TopicIDs, id), append(v.TopicNames, name)
		}); err != nil {
		return err
	}
	if err := read(`SELECT x.visit_id, COUNT(*), '' FROM attachments x WHERE `+in+` GROUP BY x.visit_id`,
		func(v *sanlian.Visit, n int64, _ string) { v.Attachments = int(n) }); err != nil {
		return err
	}
	return read(`SELECT x.visit_id, x.id, x.number FROM problems x WHERE `+in+` ORDER BY x.id`,
		func(v *sanlian.Visit, id int64, _ string) { v.ProblemIDs = append(v.ProblemIDs, id) })
}

// FindVisits implements sanlian.VisitService.
func (db *WorkStore) FindVisits(ctx context.Context, f sanlian.VisitFilter) ([]*sanlian.Visit, string, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, "", err
	}
	w := &where{}
	if err := s.visits(w); err != nil {
		return nil, "", err
	}
	if f.Kind != "" {
		w.add("v.kind = ?", f.Kind)
	}
	if f.CadreID != 0 {
		w.add("(v.cadre_id = ? OR v.id IN (SELECT visit_id FROM visit_visitors WHERE cadre_id = ?))", f.CadreID, f.CadreID)
	}
	if f.UnitID != 0 {
		w.add("(v.unit_id = ? OR v.cadre_id IN (SELECT id FROM cadres WHERE unit_id = ?))", f.UnitID, f.UnitID)
	}
	if f.HouseholdID != 0 {
		w.add("v.household_id = ?", f.HouseholdID)
	}
	if f.TownshipCode != "" {
		w.add("v.township_code = ?", f.TownshipCode)
	}
	if f.VillageCode != "" {
		w.add("v.village_code = ?", f.VillageCode)
	}
	if f.TopicID != 0 {
		w.add("v.id IN (SELECT visit_id FROM visit_topics WHERE topic_id = ?)", f.TopicID)
	}
	if f.From != "" {
		w.add("v.date >= ?", f.From)
	}
	if f.To != "" {
		w.add("v.date <= ?", f.To)
	}
	out, next, err := readPage(ctx, db.DB, "find visits", visitSelect, w, f.Cursor, f.Limit, byID("v.id", true), scanVisit,
		func(v *sanlian.Visit) string { return idKey(v.ID) })
	if err != nil {
		return nil, "", err
	}
	return out, next, attachVisitDetails(q, out)
}
