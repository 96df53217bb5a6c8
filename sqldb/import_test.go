package sqldb_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/xlsx"

	"github.com/xuri/excelize/v2"
)

// sliceSource is a RowSource over rows held in memory.
type sliceSource struct {
	rows []sanlian.ImportRow
	i    int
}

func (s *sliceSource) Next() (*sanlian.ImportRow, error) {
	if s.i == len(s.rows) {
		return nil, nil
	}
	s.i++
	return &s.rows[s.i-1], nil
}

func (s *sliceSource) Close() error { return nil }

// importFile is a file of rows; opens counts how often it was opened.
type importFile struct {
	rows  []sanlian.ImportRow
	opens int
}

func (f *importFile) open() (sanlian.RowSource, error) {
	f.opens++
	return &sliceSource{rows: f.rows}, nil
}

// file builds a file whose rows sit on lines 2, 3 … below the header.
func file(rows ...map[string]string) *importFile {
	f := &importFile{}
	for i, v := range rows {
		f.rows = append(f.rows, sanlian.ImportRow{Line: i + 2, Values: v})
	}
	return f
}

// mustImport imports f as kind, failing on an error.
func mustImport(t *testing.T, db *sqldb.DB, u *sanlian.User, kind string, f *importFile) *sanlian.ImportReport {
	t.Helper()
	rep, err := db.Lists.Import(sqldbtest.As(u), sanlian.FindImportKind(kind), f.open)
	MustOK(t, err)
	return rep
}

// mustCommit fails unless rep was written whole.
func mustCommit(t *testing.T, rep *sanlian.ImportReport, created, skipped int) {
	t.Helper()
	if !rep.Committed || rep.Created != created || rep.Skipped != skipped || len(rep.Errors) != 0 {
		t.Fatalf("report = committed %v, created %d, skipped %d, errors %v; want committed, %d created, %d skipped",
			rep.Committed, rep.Created, rep.Skipped, rep.Errors, created, skipped)
	}
}

// mustReject fails unless rep wrote nothing and lists an error on line in
// column whose message holds msg (and returns that error).
func mustReject(t *testing.T, rep *sanlian.ImportReport, line int, column, msg string) sanlian.RowError {
	t.Helper()
	if rep.Committed || rep.Created != 0 {
		t.Fatalf("report committed %v, created %d; want nothing written", rep.Committed, rep.Created)
	}
	for _, e := range rep.Errors {
		if e.Line == line && e.Column == column && strings.Contains(e.Message, msg) {
			return e
		}
	}
	t.Fatalf("errors = %v; want line %d, column %q, message with %q", rep.Errors, line, column, msg)
	return sanlian.RowError{}
}

// idNumber is a valid resident ID number for n.
func idNumber(n int) string {
	return sqldbtest.IDNumber(fmt.Sprintf("43092319900101%03d", n%1000))
}

func TestImportService_Households(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := users["office"]
		households := func() int { return MustCount(t, raw, "SELECT COUNT(*) FROM households") }

		t.Run("OK", func(t *testing.T) {
			before := auditRows(t, raw)
			f := file(
				map[string]string{"village": "东坪镇酉州村", "head_name": "张  三", "id_number": idNumber(101), "phone": "13800138000",
					"address": "3组12号", "members": "4", "tags": "低保、村两委"},
				map[string]string{"village": "启安村", "head_name": "李四", "id_number": idNumber(102)},
				map[string]string{"village": sqldbtest.VillageD, "head_name": "王五", "id_number": idNumber(103), "tags": "重点群体 独居老人/矛盾多"},
			)
			rep := mustImport(t, db, office, "households", f)
			mustCommit(t, rep, 3, 0)
			if rep.Rows != 3 || rep.Kind != "households" || rep.Label != "农户" || f.opens != 2 {
				t.Fatalf("report %+v, opened %d times; want 3 rows of 农户, opened twice", rep, f.opens)
			}
			// One audit row for the whole import.
			if got := auditRows(t, raw); got != before+1 {
				t.Fatalf("audit rows %d → %d, want one more", before, got)
			}
			e := MustLastAudit(t, db, users)
			ch := auditChanges(t, e)
			if e.Action != "import" || e.Entity != "households" || e.Actor != "office" ||
				fmtSprint(ch["rows"][1]) != "3" || fmtSprint(ch["created"][1]) != "3" || fmtSprint(ch["first_id"][1]) != "21" || fmtSprint(ch["last_id"][1]) != "23" {
				t.Fatalf("audit = %+v %v", e, ch)
			}
			hs, _, err := db.Org.FindHouseholds(sqldbtest.As(office), sanlian.HouseholdFilter{VillageCode: sqldbtest.VillageB})
			MustOK(t, err)
			h := hs[len(hs)-1]
			if h.HeadName != "张  三" || h.Members != 4 || h.Address != "3组12号" || len(h.Tags) != 2 ||
				h.Tags[0] != (sanlian.Tag{Kind: sanlian.TagKeyGroup, Sub: "低保"}) || h.Tags[1] != (sanlian.Tag{Kind: sanlian.TagRepresentative, Sub: "村两委"}) {
				t.Fatalf("household = %+v", h)
			}
			idn, phone, err := db.Org.RevealHousehold(sqldbtest.As(office), h.ID)
			MustOK(t, err)
			if idn != idNumber(101) || phone != "13800138000" {
				t.Fatalf("revealed %s %s", idn, phone)
			}
			n := MustCount(t, raw, fmt.Sprintf(`SELECT COUNT(*) FROM household_tags WHERE household_id = %d`, h.ID))
			if n != 2 {
				t.Fatalf("%d tag rows, want 2", n)
			}
			var members int
			var village, tags string
			if err := raw.QueryRow(`SELECT village_code, members, tags FROM households WHERE head_name = '王五'`).Scan(&village, &members, &tags); err != nil {
				t.Fatal(err)
			}
			if village != sqldbtest.VillageD || members != 1 || tags != "key_group:;key_group:独居老人;conflict:矛盾多" {
				t.Fatalf("王五: %s %d %q", village, members, tags)
			}
		})

		t.Run("DuplicateInFile", func(t *testing.T) {
			n := households()
			f := file(
				map[string]string{"village": "东坪镇酉州村", "head_name": "甲", "id_number": idNumber(201)},
				map[string]string{"village": "东坪镇酉州村", "head_name": "乙", "id_number": idNumber(202)},
				map[string]string{"village": "东坪镇酉州村", "head_name": "丙", "id_number": idNumber(201)},
				map[string]string{"village": "东坪镇酉州村", "head_name": "丁", "id_number": idNumber(201)},
			)
			rep := mustImport(t, db, office, "households", f)
			mustReject(t, rep, 2, "身份证号", "与第 4 行")
			mustReject(t, rep, 4, "身份证号", "与第 2 行")
			mustReject(t, rep, 5, "身份证号", "与第 2 行")
			if len(rep.Errors) != 3 || f.opens != 1 || households() != n {
				t.Fatalf("errors %v, opened %d times, households %d → %d", rep.Errors, f.opens, n, households())
			}
		})

		t.Run("DuplicateInDatabase", func(t *testing.T) {
			f := file(
				map[string]string{"village": "东坪镇酉州村", "head_name": "甲", "id_number": idNumber(301)},
				map[string]string{"village": "东坪镇酉州村", "head_name": "乙", "id_number": smallHousehold(7).IDNumber},
			)
			rep := mustImport(t, db, office, "households", f)
			mustReject(t, rep, 3, "身份证号", "已登记")
			if len(rep.Errors) != 1 {
				t.Fatalf("errors = %v", rep.Errors)
			}
			// Registered and repeated: both said, each once, on their rows.
			f.rows = append(f.rows, sanlian.ImportRow{Line: 4, Values: map[string]string{"village": "启安村", "head_name": "丙",
				"id_number": smallHousehold(7).IDNumber}})
			rep = mustImport(t, db, office, "households", f)
			mustReject(t, rep, 3, "身份证号", "已登记")
			mustReject(t, rep, 3, "身份证号", "与第 4 行")
			mustReject(t, rep, 4, "身份证号", "与第 3 行")
			if len(rep.Errors) != 3 {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})

		t.Run("UnknownVillageAndBadCells", func(t *testing.T) {
			f := file(
				map[string]string{"village": "东坪镇无名村", "head_name": "甲", "id_number": idNumber(401)},
				map[string]string{"village": "430923999999", "head_name": "乙", "id_number": idNumber(402)},
				map[string]string{"village": sqldbtest.Dongping, "head_name": "丙", "id_number": idNumber(403)},
				map[string]string{"village": "酉州村", "head_name": "丁", "id_number": idNumber(404), "tags": "低保、贫困户"},
				map[string]string{"village": "酉州村", "head_name": "戊", "members": "60"},
			)
			f.rows[4].Errors = []sanlian.RowError{{Line: 6, Column: "身份证号", Message: "身份证号校验位不正确，请核对"}}
			rep := mustImport(t, db, office, "households", f)
			mustReject(t, rep, 2, "村(社区)", "找不到村(社区)“东坪镇无名村”")
			mustReject(t, rep, 3, "村(社区)", "区划代码 430923999999 不存在")
			mustReject(t, rep, 4, "村(社区)", "不是村(社区)")
			mustReject(t, rep, 5, "三必访类别", "未知的三必访类别“贫困户”")
			mustReject(t, rep, 6, "身份证号", "校验位")
			mustReject(t, rep, 6, "家庭人口", "1 到 50")
			if len(rep.Errors) != 6 {
				t.Fatalf("errors = %v, want 6 (no second error for the bad ID cell)", rep.Errors)
			}
		})

		t.Run("UnitAdmin", func(t *testing.T) {
			// Unit 1 is linked to village A only.
			admin := users["unitadmin"]
			rep := mustImport(t, db, admin, "households", file(
				map[string]string{"village": "东坪镇黄沙坪村", "head_name": "甲", "id_number": idNumber(501)},
				map[string]string{"village": "东坪镇酉州村", "head_name": "乙", "id_number": idNumber(502)},
			))
			mustReject(t, rep, 3, "村(社区)", "无权导入其他单位的农户")
			if len(rep.Errors) != 1 {
				t.Fatalf("errors = %v", rep.Errors)
			}
			rep = mustImport(t, db, admin, "households", file(
				map[string]string{"village": "东坪镇黄沙坪村", "head_name": "甲", "id_number": idNumber(501)}))
			mustCommit(t, rep, 1, 0)
			if e := MustLastAudit(t, db, users); e.Actor != "unitadmin" || e.Entity != "households" {
				t.Fatalf("audit = %+v", e)
			}
		})

		t.Run("AllOrNothing", func(t *testing.T) {
			n, audits := households(), auditRows(t, raw)
			var rows []map[string]string
			for i := range 1001 {
				rows = append(rows, map[string]string{"village": "梅城镇苍场村", "head_name": fmt.Sprintf("户%d", i),
					"id_number": sqldbtest.IDNumber(fmt.Sprintf("43092320000101%03d", i%1000)[:10] + fmt.Sprintf("%02d%02d%03d", 1+i/1000, 1+i%28, i%1000))})
			}
			rows[500]["village"] = "梅城镇无名村"
			f := file(rows...)
			rep := mustImport(t, db, office, "households", f)
			mustReject(t, rep, 502, "村(社区)", "无名村")
			if len(rep.Errors) != 1 || rep.Rows != 1001 || households() != n || auditRows(t, raw) != audits {
				t.Fatalf("errors %v, rows %d; households %d → %d, audit rows %d → %d",
					rep.Errors, rep.Rows, n, households(), audits, auditRows(t, raw))
			}
			rows[500]["village"] = "梅城镇苍场村"
			rep = mustImport(t, db, office, "households", file(rows...))
			mustCommit(t, rep, 1001, 0)
			if households() != n+1001 {
				t.Fatalf("households %d → %d, want 1001 more", n, households())
			}
		})

		t.Run("ManyErrors", func(t *testing.T) {
			var rows []map[string]string
			for i := range 1205 {
				rows = append(rows, map[string]string{"village": "无名村", "head_name": "甲", "id_number": idNumber(900 + i%50)})
			}
			rep := mustImport(t, db, office, "households", file(rows...))
			if len(rep.Errors) != sanlian.MaxImportErrors || rep.Errors[0].Line != 2 || rep.Errors[len(rep.Errors)-1].Line > 1001 {
				t.Fatalf("%d errors from line %d to %d", len(rep.Errors), rep.Errors[0].Line, rep.Errors[len(rep.Errors)-1].Line)
			}
			// Every row has its village wrong; all but the first 50 repeat an
			// ID number, and the first 50 are reported as repeated too.
			if total := len(rep.Errors) + rep.More; total != 1205+1155+50 {
				t.Fatalf("%d errors + %d more, want %d in all", len(rep.Errors), rep.More, 1205+1155+50)
			}
			for i := 1; i < len(rep.Errors); i++ {
				if rep.Errors[i].Line < rep.Errors[i-1].Line {
					t.Fatalf("errors out of line order at %d: %v", i, rep.Errors[i-1:i+1])
				}
			}
		})

		t.Run("AmbiguousVillage", func(t *testing.T) {
			if _, err := raw.Exec(`INSERT INTO regions (code, name, kind, parent_code) VALUES ('430923101003', '酉州村', 'village', '430923101000')`); err != nil {
				t.Fatal(err)
			}
			rep := mustImport(t, db, office, "households", file(
				map[string]string{"village": "酉州村", "head_name": "甲", "id_number": idNumber(601)},
				map[string]string{"village": "梅城镇酉州村", "head_name": "乙", "id_number": idNumber(602)},
			))
			e := mustReject(t, rep, 2, "村(社区)", "全县有 2 个“酉州村”")
			if !strings.Contains(e.Message, "东坪镇、梅城镇") || len(rep.Errors) != 1 {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})
	})
}

func TestImportService_Rights(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		row := map[string]string{"village": "东坪镇酉州村", "head_name": "甲", "id_number": idNumber(1)}
		for _, name := range []string{"leader", "cadre", "sysadmin", "auditor"} {
			for _, kind := range sanlian.ImportKinds {
				f := file(row)
				_, err := db.Lists.Import(sqldbtest.As(users[name]), kind, f.open)
				MustCode(t, err, sanlian.EFORBIDDEN)
				if f.opens != 0 {
					t.Fatalf("%s importing %s: file opened", name, kind.Code)
				}
			}
		}
		for _, kind := range []string{"units", "topics", "problems"} {
			f := file(row)
			_, err := db.Lists.Import(sqldbtest.As(users["unitadmin"]), sanlian.FindImportKind(kind), f.open)
			MustCode(t, err, sanlian.EFORBIDDEN)
			if f.opens != 0 {
				t.Fatalf("unit admin importing %s: file opened", kind)
			}
		}
		_, err := db.Lists.Import(sqldbtest.As(users["office"]), &sanlian.ImportKind{Code: "visits", Label: "走访"}, file(row).open)
		MustCode(t, err, sanlian.EINVALID)
		_, err = db.Lists.Import(system, sanlian.FindImportKind("households"), file().open)
		MustCode(t, err, sanlian.EUNPROCESSABLE)

		// A file that cannot be read fails as a whole, with its own message.
		bad := func() (sanlian.RowSource, error) {
			return nil, sanlian.Errorf(sanlian.EUNPROCESSABLE, "文件不是 Excel 工作簿")
		}
		_, err = db.Lists.Import(sqldbtest.As(users["office"]), sanlian.FindImportKind("households"), bad)
		MustCode(t, err, sanlian.EUNPROCESSABLE)
	})
}

func TestImportService_Cadres(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		t.Run("OK", func(t *testing.T) {
			rep := mustImport(t, db, users["office"], "cadres", file(
				map[string]string{"name": "孙悟", "unit": "县民政局", "post": "副局长", "party_member": "0", "phone": "13900139000", "is_leader": "0"},
				map[string]string{"name": "周县", "unit": "县政府办公室", "is_leader": "1"},
			))
			mustCommit(t, rep, 2, 0)
			cs, _, err := db.Org.FindCadres(sqldbtest.As(users["office"]), sanlian.CadreFilter{Q: "孙悟"})
			MustOK(t, err)
			if len(cs) != 1 || cs[0].UnitID != 1 || cs[0].Post != "副局长" || cs[0].PartyMember || cs[0].IsLeader || cs[0].Phone != "139****9000" {
				t.Fatalf("cadres = %+v", cs)
			}
			var leader, party bool
			if err := raw.QueryRow(`SELECT is_leader, party_member FROM cadres WHERE name = '周县'`).Scan(&leader, &party); err != nil || !leader || !party {
				t.Fatalf("周县: leader %v, party %v, %v", leader, party, err)
			}
		})
		t.Run("Duplicates", func(t *testing.T) {
			rep := mustImport(t, db, users["office"], "cadres", file(
				map[string]string{"name": "李明", "unit": "县民政局"},
				map[string]string{"name": "李明", "unit": "东坪镇人民政府"},
				map[string]string{"name": "钱七", "unit": "县民政局"},
				map[string]string{"name": "钱 七", "unit": "县民政局"},
				map[string]string{"name": "钱七", "unit": "县统计局"},
			))
			mustReject(t, rep, 2, "姓名", "县民政局中已有名为“李明”的干部")
			mustReject(t, rep, 4, "姓名", "与第 5 行")
			mustReject(t, rep, 5, "姓名", "与第 4 行")
			mustReject(t, rep, 6, "所在单位", "找不到单位“县统计局”")
			if len(rep.Errors) != 4 {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})
		t.Run("UnitAdmin", func(t *testing.T) {
			rep := mustImport(t, db, users["unitadmin"], "cadres", file(
				map[string]string{"name": "吴一", "unit": "县民政局社会救助股"},
				map[string]string{"name": "吴二", "unit": "东坪镇人民政府"},
				map[string]string{"name": "吴三", "unit": "县民政局", "is_leader": "1"},
			))
			mustReject(t, rep, 3, "所在单位", "无权导入其他单位的干部")
			mustReject(t, rep, 4, "是否县级领导", "只有县办公室")
			if len(rep.Errors) != 2 {
				t.Fatalf("errors = %v", rep.Errors)
			}
			rep = mustImport(t, db, users["unitadmin"], "cadres", file(map[string]string{"name": "吴一", "unit": "县民政局社会救助股"}))
			mustCommit(t, rep, 1, 0)
		})
	})
}

func TestImportService_Units(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		t.Run("OK", func(t *testing.T) {
			rep := mustImport(t, db, office, "units", file(
				map[string]string{"name": "县妇联", "kind": sanlian.UnitMassOrg},
				map[string]string{"name": "县妇联家庭工作部", "kind": sanlian.UnitMassOrg, "parent": "县妇联"},
				map[string]string{"name": "梅城镇社会事务办", "kind": sanlian.UnitTownship, "parent": "梅城镇人民政府", "township": "梅城镇"},
				map[string]string{"name": "东坪镇综治办", "kind": sanlian.UnitTownship, "township": sqldbtest.Dongping},
			))
			mustCommit(t, rep, 4, 0)
			us, _, err := db.Org.FindUnits(sqldbtest.As(office), sanlian.UnitFilter{Limit: 100})
			MustOK(t, err)
			byName := map[string]*sanlian.Unit{}
			for _, u := range us {
				byName[u.Name] = u
			}
			fl, part, soc := byName["县妇联"], byName["县妇联家庭工作部"], byName["梅城镇社会事务办"]
			if fl == nil || part == nil || soc == nil || part.ParentID != fl.ID || soc.ParentID != 4 || soc.TownshipCode != sqldbtest.Meicheng ||
				byName["东坪镇综治办"].TownshipCode != sqldbtest.Dongping || fl.Kind != sanlian.UnitMassOrg {
				t.Fatalf("units = %+v %+v %+v", fl, part, soc)
			}
		})
		t.Run("Errors", func(t *testing.T) {
			rep := mustImport(t, db, office, "units", file(
				map[string]string{"name": "县民政局", "kind": sanlian.UnitDepartment},
				map[string]string{"name": "县残联康复部", "kind": sanlian.UnitMassOrg, "parent": "县残联"},
				map[string]string{"name": "县残联", "kind": sanlian.UnitMassOrg},
				map[string]string{"name": "某镇政府", "kind": sanlian.UnitTownship},
				map[string]string{"name": "某乡政府", "kind": sanlian.UnitTownship, "township": "某乡"},
			))
			mustReject(t, rep, 2, "单位名称", "已有同名单位")
			mustReject(t, rep, 3, "上级单位", "请把它写在本行之前")
			mustReject(t, rep, 5, "所在乡镇", "乡镇类单位请填写所在乡镇")
			mustReject(t, rep, 6, "所在乡镇", "找不到乡镇“某乡”")
			if len(rep.Errors) != 4 {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})
	})
}

func TestImportService_Links(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := users["office"]
		active := func(q string) int {
			return MustCount(t, raw, "SELECT COUNT(*) FROM links WHERE ended_at IS NULL AND "+q)
		}
		t.Run("OK", func(t *testing.T) {
			rep := mustImport(t, db, office, "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "赵丽", "cadre_unit": "县民政局", "household": smallHousehold(5).IDNumber},
				map[string]string{"kind": sanlian.LinkVillage, "unit": "县政府办公室", "region": "梅城镇苍场村"},
				map[string]string{"kind": sanlian.LinkTownship, "cadre": "王建国", "region": "梅城镇"},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "household": smallHousehold(8).IDNumber},
			))
			mustCommit(t, rep, 4, 0)
			if active("kind = 'household' AND cadre_id = 6 AND household_id = 5") != 1 ||
				active("kind = 'household' AND cadre_id = 2 AND household_id = 8") != 1 ||
				active("kind = 'village' AND unit_id = 5 AND region_code = '"+sqldbtest.VillageD+"'") != 1 ||
				active("kind = 'township' AND cadre_id = 1 AND region_code = '"+sqldbtest.Meicheng+"'") != 1 {
				t.Fatal("links not written")
			}
			var by int64
			if err := raw.QueryRow(rebind(db, `SELECT created_by FROM links WHERE kind = 'township' AND region_code = ?`), sqldbtest.Meicheng).Scan(&by); err != nil || by != office.ID {
				t.Fatalf("created_by %d, %v", by, err)
			}
		})
		t.Run("Errors", func(t *testing.T) {
			n := active("1 = 1")
			rep := mustImport(t, db, office, "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "household": smallHousehold(1).IDNumber},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "household": idNumber(777)},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "张三丰", "household": smallHousehold(9).IDNumber},
				map[string]string{"kind": sanlian.LinkTownship, "cadre": "李明", "region": "梅城镇"},
				map[string]string{"kind": sanlian.LinkVillage, "unit": "县民政局", "region": "东坪镇黄沙坪村"},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "刘芳", "household": smallHousehold(9).IDNumber},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "刘芳", "cadre_unit": "东坪镇人民政府", "household": smallHousehold(9).IDNumber},
			))
			mustReject(t, rep, 2, "户主身份证号", "已存在")
			mustReject(t, rep, 3, "户主身份证号", "找不到身份证号为 430923******")
			mustReject(t, rep, 4, "干部姓名", "找不到名为“张三丰”的干部")
			mustReject(t, rep, 5, "干部姓名", "不是县级领导")
			mustReject(t, rep, 6, "村(社区)/乡镇", "已存在")
			mustReject(t, rep, 7, "户主身份证号", "与第 8 行")
			mustReject(t, rep, 8, "户主身份证号", "与第 7 行")
			if len(rep.Errors) != 7 || active("1 = 1") != n {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})
		t.Run("UnitAdmin", func(t *testing.T) {
			admin := users["unitadmin"] // units 1 and 2; village A
			rep := mustImport(t, db, admin, "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "张华", "household": smallHousehold(2).IDNumber},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "刘芳", "household": smallHousehold(3).IDNumber},
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "赵丽", "household": smallHousehold(13).IDNumber},
				map[string]string{"kind": sanlian.LinkVillage, "unit": "县民政局", "region": "东坪镇酉州村"},
			))
			mustReject(t, rep, 3, "干部姓名", "无权导入其他单位的联系关系")
			mustReject(t, rep, 4, "户主身份证号", "无权导入其他单位的联系关系")
			mustReject(t, rep, 5, "联系类型", "只有县办公室可以安排单位联村")
			if len(rep.Errors) != 3 {
				t.Fatalf("errors = %v", rep.Errors)
			}
			rep = mustImport(t, db, admin, "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "张华", "household": smallHousehold(2).IDNumber}))
			mustCommit(t, rep, 1, 0)
		})
		t.Run("SameNames", func(t *testing.T) {
			// A second 王建国 and a second 李明, in 东坪镇人民政府.
			mustCommit(t, mustImport(t, db, office, "cadres", file(
				map[string]string{"name": "王建国", "unit": "东坪镇人民政府"}, map[string]string{"name": "李明", "unit": "东坪镇人民政府"})), 2, 0)
			rep := mustImport(t, db, office, "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "household": smallHousehold(10).IDNumber}))
			mustReject(t, rep, 2, "干部姓名", "全县有 2 名干部叫“李明”（县民政局、东坪镇人民政府），请注明其所在单位")
			// The office names the unit; a unit admin means its own cadre;
			// a township goes to the county leader of that name.
			mustCommit(t, mustImport(t, db, office, "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "cadre_unit": "东坪镇人民政府", "household": smallHousehold(10).IDNumber})), 1, 0)
			// (the leader's link to 梅城镇 was made above: found, not “no leader”)
			rep = mustImport(t, db, office, "links", file(map[string]string{"kind": sanlian.LinkTownship, "cadre": "王建国", "region": "梅城镇"}))
			mustReject(t, rep, 2, "村(社区)/乡镇", "已存在")
			mustCommit(t, mustImport(t, db, users["unitadmin"], "links", file(
				map[string]string{"kind": sanlian.LinkHousehold, "cadre": "李明", "household": smallHousehold(5).IDNumber})), 1, 0)
			if active("kind = 'household' AND cadre_id = 2 AND household_id = 5") != 1 || active("kind = 'township' AND cadre_id = 1") != 2 || len(rep.Errors) != 1 ||
				active("kind = 'household' AND household_id = 10 AND cadre_id IN (SELECT id FROM cadres WHERE unit_id = 3)") != 1 {
				t.Fatal("links of the same names went astray")
			}
		})
	})
}

func TestImportService_Topics(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := users["office"]
		rep := mustImport(t, db, office, "topics", file(
			map[string]string{"category": "就业创业", "question": "家中劳动力务工情况如何？", "sort": "2"},
			map[string]string{"category": "education", "question": "孩子上学路上安全吗？"},
		))
		mustCommit(t, rep, 2, 0)
		ts, err := db.Work.FindTopics(sqldbtest.As(office), sanlian.TopicFilter{})
		MustOK(t, err)
		if len(ts) != 2 || ts[0].Category != "employment" || ts[0].Sort != 2 || ts[1].Category != "education" || !ts[1].Active {
			t.Fatalf("topics = %+v %+v", ts[0], ts[1])
		}
		rep = mustImport(t, db, office, "topics", file(
			map[string]string{"category": "就业创业", "question": "家中劳动力务工情况如何？"},
			map[string]string{"category": "天文", "question": "星星亮吗？"},
			map[string]string{"category": "教育", "question": "作业多吗？"},
			map[string]string{"category": "教育", "question": "作业多吗？"},
		))
		mustReject(t, rep, 2, "调研题目", "已有相同的题目")
		mustReject(t, rep, 3, "领域", "找不到领域“天文”")
		mustReject(t, rep, 5, "调研题目", "与第 4 行")
	})
}

func TestImportService_Problems(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db) // 2021-05-10 09:00
		raw := MustRaw(t, db)
		office := users["office"]
		ctx := sqldbtest.As(office)
		t.Run("OK", func(t *testing.T) {
			rep := mustImport(t, db, office, "problems", file(
				map[string]string{"number": "安化-2021-000050", "title": "酉州村3组路灯损坏", "description": "3组至5组之间的路灯坏了半年。",
					"category": "城乡建设", "source": "走访收集", "village": "东坪镇酉州村", "reporter_name": "张三", "reporter_phone": "13912345678",
					"unit": "东坪镇人民政府", "leader": "刘芳", "person": "刘芳", "created": "2021-04-20", "deadline": "2021-05-15",
					"progress": "已更换灯泡 12 个", "state": "已办结"},
				map[string]string{"title": "梅城镇饮水困难", "category": "rural", "village": "梅城镇启安村", "created": "2021-04-22"},
				map[string]string{"title": "低保评定不公", "category": "政策落实", "source": "hotline", "village": "430923101002",
					"unit": "梅城镇人民政府", "created": "2020-12-30", "state": "办理中"},
			))
			mustCommit(t, rep, 3, 0)
			ps, _, err := db.Problems.FindProblems(ctx, sanlian.ProblemFilter{Q: "路灯"})
			MustOK(t, err)
			if len(ps) != 1 {
				t.Fatalf("search found %d problems", len(ps))
			}
			p := ps[0]
			created := time.Date(2021, 4, 20, 9, 0, 0, 0, sanlian.Shanghai)
			if p.Number != "安化-2021-000050" || p.State != sanlian.StateResolved || p.UnitID != 3 || p.PersonID != 4 ||
				!p.CreatedAt.Equal(created) || !p.AssignedAt.Equal(created) || sanlian.DeadlineDate(p.ResolveDue) != "2021-05-15" ||
				!p.ResolveDue.Equal(time.Date(2021, 5, 16, 0, 0, 0, 0, sanlian.Shanghai)) || p.Measures != "已更换灯泡 12 个" ||
				p.Category != "construction" || p.Source != sanlian.SourceVisit || p.TownshipCode != sqldbtest.Dongping || p.ReporterName != "张三" {
				t.Fatalf("problem = %+v", p)
			}
			evs, err := db.Problems.ProblemEvents(ctx, p.ID)
			MustOK(t, err)
			if len(evs) != 1 || evs[0].Action != "import" || evs[0].ToState != sanlian.StateResolved || !strings.Contains(evs[0].Note, "第 2 行") ||
				!strings.Contains(evs[0].Note, "责任领导：刘芳") {
				t.Fatalf("events = %+v", evs)
			}
			var sealed string
			if err := raw.QueryRow(fmt.Sprintf("SELECT phone FROM problem_reporters WHERE problem_id = %d", p.ID)).Scan(&sealed); err != nil {
				t.Fatal(err)
			}
			if phone, err := db.OpenValue(sealed, "problem_reporters.phone"); err != nil || phone != "13912345678" || sealed == phone {
				t.Fatalf("reporter phone %q stored as %q (%v)", phone, sealed, err)
			}
			var number, state string
			var unit sql.NullInt64
			if err := raw.QueryRow(`SELECT number, state, unit_id FROM problems WHERE title = '梅城镇饮水困难'`).Scan(&number, &state, &unit); err != nil {
				t.Fatal(err)
			}
			if number != "安化-2021-000051" || state != sanlian.StateSubmitted || unit.Valid {
				t.Fatalf("auto-numbered problem: %s %s %v", number, state, unit)
			}
			if err := raw.QueryRow(`SELECT number, state FROM problems WHERE title = '低保评定不公'`).Scan(&number, &state); err != nil {
				t.Fatal(err)
			}
			if number != "安化-2020-000001" || state != sanlian.StateAccepted {
				t.Fatalf("problem of 2020: %s %s", number, state)
			}
			// The ledger's own numbers go on after the imported ones.
			np, err := db.Problems.CreateProblem(ctx, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA, Description: "路面坑洼"})
			MustOK(t, err)
			if np.Number != "安化-2021-000052" {
				t.Fatalf("next number %s", np.Number)
			}
		})
		t.Run("Errors", func(t *testing.T) {
			rep := mustImport(t, db, office, "problems", file(
				map[string]string{"number": "安化-2021-000050", "title": "重复编号", "category": "rural", "village": "启安村", "created": "2021-04-22"},
				map[string]string{"title": "未来", "category": "rural", "village": "启安村", "created": "2021-06-01"},
				map[string]string{"title": "无单位", "category": "rural", "village": "启安村", "created": "2021-04-01", "state": "办理中"},
				map[string]string{"title": "他单位的人", "category": "rural", "village": "启安村", "created": "2021-04-01", "unit": "县民政局", "person": "刘芳"},
				map[string]string{"title": "未知", "category": "天文", "source": "邮件", "village": "启安村", "created": "2021-04-01", "state": "已合并"},
				map[string]string{"title": "办结无措施", "category": "rural", "village": "启安村", "created": "2021-04-01", "unit": "县民政局", "state": "resolved"},
			))
			mustReject(t, rep, 2, "编号", "已在问题清单中")
			mustReject(t, rep, 3, "登记日期", "不能晚于今天")
			mustReject(t, rep, 4, "责任单位", "请填写责任单位")
			mustReject(t, rep, 5, "责任人", "县民政局中没有名为“刘芳”的干部")
			mustReject(t, rep, 6, "类别", "找不到类别“天文”")
			mustReject(t, rep, 6, "来源", "来源须为")
			mustReject(t, rep, 6, "状态", "已合并")
			mustReject(t, rep, 7, "进展情况", "办理措施")
		})
	})
}

func TestImportService_Projects(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		raw := MustRaw(t, db)
		type proj struct {
			id                int64
			parent            sql.NullInt64
			unit, done        int64
			progress, version int
			status, last, cat string
			leader, person    sql.NullInt64
		}
		read := func(title string) proj {
			var p proj
			err := raw.QueryRow(rebind(db, `SELECT id, parent_id, unit_id, done, progress, version, status, last_progress, category, leader_id, person_id
				FROM projects WHERE title = ?`), title).Scan(&p.id, &p.parent, &p.unit, &p.done, &p.progress, &p.version, &p.status, &p.last, &p.cat, &p.leader, &p.person)
			if err != nil {
				t.Fatalf("%s: %v", title, err)
			}
			return p
		}
		entries := func(id int64) string {
			var out []string
			err := eachRaw(raw, db, `SELECT date, quantity, percent FROM project_progress WHERE project_id = ? ORDER BY id`, []any{id}, func(sc func(...any) error) error {
				var date string
				var q, pc int64
				if err := sc(&date, &q, &pc); err != nil {
					return err
				}
				out = append(out, fmt.Sprintf("%s %d %d", date, q, pc))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return strings.Join(out, "; ")
		}
		t.Run("OK", func(t *testing.T) {
			rep := mustImport(t, db, users["unitadmin"], "projects", file(
				map[string]string{"title": "困难群众帮扶", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31", "status": sanlian.ProjectOngoing},
				map[string]string{"title": "轮椅发放", "parent": "困难群众帮扶", "unit": "县民政局", "category": "社保医疗", "target": "320", "measure": "台",
					"done": "80", "start": "2021-05-01", "end": "2021-10-31", "leader": "王建国", "person": "张华", "status": sanlian.ProjectOngoing},
				map[string]string{"title": "慰问走访", "parent": "困难群众帮扶", "unit": "县民政局", "start": "2021-05-01", "end": "2021-10-31",
					"progress": "进度 40%", "status": sanlian.ProjectOngoing},
				map[string]string{"title": "救助政策宣讲", "unit": "县民政局社会救助股", "target": "10", "measure": "场", "done": "3",
					"start": "2021-05-01", "end": "2021-06-30", "status": sanlian.ProjectDone},
			))
			mustCommit(t, rep, 4, 0)
			top, wheel, visit, talk := read("困难群众帮扶"), read("轮椅发放"), read("慰问走访"), read("救助政策宣讲")
			if wheel.progress != 25 || wheel.done != 80 || wheel.cat != "social_health" || wheel.leader.Int64 != 1 || wheel.person.Int64 != 3 ||
				wheel.parent.Int64 != top.id || wheel.last != "" || visit.progress != 40 || visit.parent.Int64 != top.id || talk.progress != 100 || talk.unit != 2 {
				t.Fatalf("projects = %+v %+v %+v", wheel, visit, talk)
			}
			// The quantity and the percentage the file brings are opening
			// entries, so that the service's sums keep them.
			if e := entries(wheel.id); e != "2021-05-01 80 -1" {
				t.Fatalf("entries of 轮椅发放: %s", e)
			}
			if e := entries(visit.id); e != "2021-05-01 0 40" {
				t.Fatalf("entries of 慰问走访: %s", e)
			}
			// The parent rolls its children up: (25 + 40) / 2.
			if top.progress != 32 || top.parent.Valid || entries(top.id) != "" {
				t.Fatalf("parent = %+v", top)
			}
			// A child imported later into an existing parent rolls it up anew.
			rep = mustImport(t, db, users["office"], "projects", file(
				map[string]string{"title": "临时救助", "parent": "困难群众帮扶", "unit": "县民政局", "start": "2021-05-01", "end": "2021-10-31",
					"status": sanlian.ProjectDone}))
			mustCommit(t, rep, 1, 0)
			if top2 := read("困难群众帮扶"); top2.progress != (25+40+100)/3 || top2.version != top.version+1 {
				t.Fatalf("parent after = %+v, before %+v", top2, top)
			}
			// Progress recorded afterwards adds to what was imported.
			p, err := db.Lists.FindProjectByID(sqldbtest.As(users["office"]), wheel.id)
			MustOK(t, err)
			_, _, err = db.Lists.AddProgress(sqldbtest.As(users["office"]), wheel.id, &sanlian.ProgressInput{Date: "2021-05-10", Quantity: 20, Note: "发放 20 台", Version: p.Version})
			MustOK(t, err)
			if w := read("轮椅发放"); w.done != 100 || w.progress != 31 {
				t.Fatalf("after progress: %+v", w)
			}
		})
		t.Run("SplitByTownship", func(t *testing.T) {
			// A parent counted in the measure of its sub-projects, as the
			// lists workbook writes it: its done already holds theirs.
			rep := mustImport(t, db, users["office"], "projects", file(
				map[string]string{"title": "母亲邮包", "unit": "县民政局", "target": "444", "measure": "个", "done": "150", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "东坪镇母亲邮包", "parent": "母亲邮包", "unit": "县民政局", "target": "200", "measure": "个", "done": "100",
					"start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "梅城镇母亲邮包", "parent": "母亲邮包", "unit": "县民政局", "target": "244", "measure": "个", "done": "30",
					"start": "2021-05-01", "end": "2021-12-31"},
			))
			mustCommit(t, rep, 3, 0)
			top := read("母亲邮包")
			if top.done != 150 || top.progress != (50+12)/2 || entries(top.id) != "2021-05-01 20 -1" {
				t.Fatalf("parent = %+v, entries %s", top, entries(top.id))
			}
		})
		t.Run("Errors", func(t *testing.T) {
			rep := mustImport(t, db, users["unitadmin"], "projects", file(
				map[string]string{"title": "轮椅发放", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "乡村道路", "unit": "东坪镇人民政府", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "孤儿助学", "parent": "教育帮扶", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "助残", "unit": "县民政局", "start": "2021-05-01", "end": "2021-04-30", "target": "5", "person": "刘芳",
					"leader": "陈刚", "progress": "已经走访了一些"},
				map[string]string{"title": "第一层", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "第二层", "parent": "第一层", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "第三层", "parent": "第二层", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31"},
				map[string]string{"title": "第四层", "parent": "第三层", "unit": "县民政局", "start": "2021-05-01", "end": "2021-12-31"},
			))
			mustReject(t, rep, 2, "项目名称", "本单位已有名为“轮椅发放”的项目")
			mustReject(t, rep, 3, "责任单位", "无权导入其他单位的项目")
			mustReject(t, rep, 4, "上级项目", "本单位没有名为“教育帮扶”的项目")
			mustReject(t, rep, 5, "完成时限", "不能早于开始日期")
			mustReject(t, rep, 5, "计量单位", "计量单位")
			mustReject(t, rep, 5, "责任人", "县民政局（含下属单位）中没有名为“刘芳”的干部")
			mustReject(t, rep, 5, "责任领导", "或县级领导")
			mustReject(t, rep, 5, "进展情况", "完成百分比")
			mustReject(t, rep, 9, "上级项目", "子项目最多 3 层")
			if len(rep.Errors) != 9 {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})
	})
}

// eachRaw runs a query through raw, rebound for the engine.
func eachRaw(raw *sql.DB, db *sqldb.DB, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := raw.Query(rebind(db, q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}

func TestImportService_Responsibilities(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		raw := MustRaw(t, db)
		office, admin := users["office"], users["unitadmin"]
		mustCommit(t, mustImport(t, db, office, "problems", file(
			map[string]string{"number": "安化-2021-000007", "title": "黄沙坪村低保复核", "category": "政策落实", "village": "东坪镇黄沙坪村",
				"unit": "县民政局", "person": "赵丽", "created": "2021-04-20", "deadline": "2021-05-20"},
			map[string]string{"number": "安化-2021-000008", "title": "酉州村危房改造", "category": "住房保障", "village": "东坪镇酉州村",
				"unit": "东坪镇人民政府", "created": "2021-04-20", "deadline": "2021-05-30"})), 2, 0)
		mustCommit(t, mustImport(t, db, admin, "projects", file(
			map[string]string{"title": "轮椅发放", "unit": "县民政局", "target": "320", "measure": "台", "start": "2021-05-01", "end": "2021-10-31"})), 1, 0)
		var p7, p8, projectID int64
		for _, x := range []struct {
			q  string
			id *int64
		}{{`SELECT id FROM problems WHERE number = '安化-2021-000007'`, &p7}, {`SELECT id FROM problems WHERE number = '安化-2021-000008'`, &p8},
			{`SELECT id FROM projects WHERE title = '轮椅发放'`, &projectID}} {
			if err := raw.QueryRow(x.q).Scan(x.id); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("OK", func(t *testing.T) {
			f := file(
				// Derived lines of the unit's lists workbook: skipped, even
				// where a line lacks the person or the deadline.
				map[string]string{"task": "黄沙坪村低保复核", "source": sanlian.RespProblem, "source_ref": "安化-2021-000007", "unit": "县民政局",
					"leader": "李明", "person": "赵丽", "deadline": "2021-05-20", "state": sanlian.RespOngoing},
				map[string]string{"task": "轮椅发放", "source": sanlian.RespProject, "source_ref": "轮椅发放", "unit": "县民政局", "progress": "进度 0%"},
				// Entered lines: support for another unit's problem and
				// project, a dispatch decision, a task of its own.
				map[string]string{"task": "配合危房改造核查低保户", "source": sanlian.RespProblem, "source_ref": "安化-2021-000008", "unit": "县民政局",
					"person": "赵丽", "deadline": "2021-05-25", "measures": "逐户核查"},
				map[string]string{"task": "轮椅发放对象摸底", "source": sanlian.RespProject, "source_ref": "轮椅发放", "unit": "县民政局社会救助股",
					"leader": "李明", "person": "张华", "deadline": "2021-06-30", "state": sanlian.RespDone, "progress": "名单已报"},
				map[string]string{"task": "落实五月调度会部署", "source": sanlian.RespDispatch, "source_ref": "#12", "unit": "县民政局社会救助股",
					"person": "张华", "deadline": "2021-06-15", "state": sanlian.RespOngoing, "progress": "已部署"},
				map[string]string{"task": "整理救助档案", "unit": "县民政局", "person": "赵丽", "deadline": "2021-07-01"},
				// Another unit's problem under its own title is not on this
				// unit's list by itself: entered.
				map[string]string{"task": "酉州村危房改造", "source": sanlian.RespProblem, "source_ref": "安化-2021-000008", "unit": "县民政局",
					"person": "李明", "deadline": "2021-05-30"},
			)
			rep := mustImport(t, db, admin, "responsibilities", f)
			mustCommit(t, rep, 5, 2)
			type resp struct {
				unit, sourceID            int64
				source, state, note, meas string
				person, leader            sql.NullInt64
			}
			read := func(task string) resp {
				var r resp
				err := raw.QueryRow(rebind(db, `SELECT unit_id, COALESCE(source_id, 0), source, state, completion_note, measures, person_id, leader_id
					FROM responsibilities WHERE task = ?`), task).Scan(&r.unit, &r.sourceID, &r.source, &r.state, &r.note, &r.meas, &r.person, &r.leader)
				if err != nil {
					t.Fatalf("%s: %v", task, err)
				}
				return r
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM responsibilities"); n != 5 {
				t.Fatalf("%d responsibilities, want 5 (derived lines skipped)", n)
			}
			a, b, c, d := read("配合危房改造核查低保户"), read("轮椅发放对象摸底"), read("落实五月调度会部署"), read("整理救助档案")
			if a.source != sanlian.RespProblem || a.sourceID != p8 || a.state != sanlian.RespPending || a.meas != "逐户核查" || a.person.Int64 != 6 ||
				b.sourceID != projectID || b.unit != 2 || b.state != sanlian.RespDone || b.note != "名单已报" || b.leader.Int64 != 2 ||
				c.sourceID != 12 || c.unit != 2 || c.note != "已部署" ||
				d.source != sanlian.RespStandalone || d.sourceID != 0 || d.unit != 1 {
				t.Fatalf("responsibilities = %+v %+v %+v %+v", a, b, c, d)
			}
			// The unit's list shows the derived lines once, beside the entered ones.
			rs, _, err := db.Lists.FindResponsibilities(sqldbtest.As(admin), sanlian.ResponsibilityFilter{UnitID: 1, Limit: 100})
			MustOK(t, err)
			seen := map[string]int{}
			for _, r := range rs {
				seen[r.Task]++
			}
			if seen["黄沙坪村低保复核"] != 1 || seen["轮椅发放"] != 1 || seen["整理救助档案"] != 1 || seen["酉州村危房改造"] != 1 {
				t.Fatalf("unit list: %v", seen)
			}
		})
		t.Run("Errors", func(t *testing.T) {
			rep := mustImport(t, db, admin, "responsibilities", file(
				map[string]string{"task": "别的标题", "source": sanlian.RespProblem, "source_ref": "安化-2021-009999", "unit": "县民政局", "person": "赵丽", "deadline": "2021-05-25"},
				map[string]string{"task": "东坪镇的事", "unit": "东坪镇人民政府", "person": "刘芳", "deadline": "2021-05-25"},
				map[string]string{"task": "完成了", "unit": "县民政局", "person": "赵丽", "deadline": "2021-05-25", "state": sanlian.RespDone},
				map[string]string{"task": "低保复核回头看", "source": sanlian.RespProblem, "source_ref": "安化-2021-000007", "unit": "县民政局", "person": "赵丽", "deadline": "2021-05-25"},
				map[string]string{"task": "无人负责", "unit": "县民政局", "deadline": "2021-05-25"},
				map[string]string{"task": "调度", "source": sanlian.RespDispatch, "source_ref": "2021年5月", "unit": "县民政局", "person": "赵丽", "deadline": "2021-05-25"},
				map[string]string{"task": "不存在的项目", "source": sanlian.RespProject, "source_ref": "修桥", "unit": "县民政局", "person": "赵丽", "deadline": "2021-05-25"},
			))
			mustReject(t, rep, 2, "来源编号", "找不到编号为 安化-2021-009999 的问题")
			mustReject(t, rep, 3, "责任单位", "无权导入其他单位的责任事项")
			mustReject(t, rep, 4, "进展情况", "完成情况")
			mustReject(t, rep, 5, "来源编号", "已自动列入本单位责任清单")
			mustReject(t, rep, 6, "责任人", "请填写责任人")
			mustReject(t, rep, 7, "来源编号", "编号须为数字")
			mustReject(t, rep, 8, "来源编号", "找不到名为“修桥”的项目")
			if len(rep.Errors) != 7 || rep.Skipped != 0 {
				t.Fatalf("errors = %v", rep.Errors)
			}
		})
	})
}

func TestImportService_Activities(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		raw := MustRaw(t, db)
		admin := users["unitadmin"]
		rep := mustImport(t, db, admin, "activities", file(
			map[string]string{"type": "健康义诊", "date": "2021-05-08", "village": "东坪镇黄沙坪村", "unit": "县民政局",
				"volunteers": "李明、赵丽，张华", "others": "3", "served": "120", "description": "为村民义诊、测血压。"},
			map[string]string{"type": "legal", "date": "2021-05-09", "village": "苍场村", "unit": "县民政局社会救助股",
				"others": "5", "served": "40", "description": "法律政策宣讲。"},
		))
		mustCommit(t, rep, 2, 0)
		as, _, err := db.Work.FindActivities(sqldbtest.As(admin), sanlian.ActivityFilter{})
		MustOK(t, err)
		if len(as) != 2 {
			t.Fatalf("%d activities", len(as))
		}
		var clinic *sanlian.Activity
		for _, a := range as {
			if a.Type == "clinic" {
				clinic = a
			}
		}
		if clinic == nil || clinic.TownshipCode != sqldbtest.Dongping || clinic.UnitID != 1 || clinic.Others != 3 || clinic.Served != 120 {
			t.Fatalf("activity = %+v", clinic)
		}
		if n := MustCount(t, raw, fmt.Sprintf("SELECT COUNT(*) FROM activity_volunteers WHERE activity_id = %d AND cadre_id IN (2, 3, 6)", clinic.ID)); n != 3 {
			t.Fatalf("%d volunteers", n)
		}
		rep = mustImport(t, db, admin, "activities", file(
			map[string]string{"type": "打球", "date": "2021-05-08", "village": "东坪镇黄沙坪村", "unit": "县民政局", "others": "1", "description": "x"},
			map[string]string{"type": "clinic", "date": "2021-06-08", "village": "东坪镇黄沙坪村", "unit": "县民政局", "volunteers": "李明、孙大圣",
				"description": "x"},
			map[string]string{"type": "clinic", "date": "2021-05-08", "village": "东坪镇黄沙坪村", "unit": "梅城镇人民政府", "others": "1", "description": "x"},
			map[string]string{"type": "clinic", "date": "2021-05-08", "village": "东坪镇黄沙坪村", "unit": "县民政局", "description": "x"},
		))
		mustReject(t, rep, 2, "活动类型", "找不到活动类型“打球”")
		mustReject(t, rep, 3, "活动日期", "不能晚于今天")
		mustReject(t, rep, 3, "干部志愿者", "找不到名为“孙大圣”的干部")
		mustReject(t, rep, 4, "组织单位", "无权导入其他单位的志愿服务活动")
		mustReject(t, rep, 5, "干部志愿者", "请选择参加活动的干部志愿者")
	})
}

// changingFile yields first on its first opening and then on every later
// one: a file replaced between the checking and the writing pass.
type changingFile struct {
	first, then *importFile
	opens       int
}

func (f *changingFile) open() (sanlian.RowSource, error) {
	f.opens++
	if f.opens == 1 {
		return f.first.open()
	}
	return f.then.open()
}

func TestImportService_ChangedBetweenPasses(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		raw := MustRaw(t, db)
		ctx := sqldbtest.As(users["office"])
		households := func() int { return MustCount(t, raw, "SELECT COUNT(*) FROM households") }
		row := func(n int, village string) map[string]string {
			return map[string]string{"village": village, "head_name": "甲", "id_number": idNumber(n)}
		}
		n, audits := households(), auditRows(t, raw)

		f := &changingFile{first: file(row(1, "启安村"), row(2, "启安村")), then: file(row(1, "启安村"), row(2, "启安村"), row(3, "启安村"))}
		rep, err := db.Lists.Import(ctx, sanlian.FindImportKind("households"), f.open)
		MustOK(t, err)
		mustReject(t, rep, 0, "", "文件在导入过程中发生了变化")

		f = &changingFile{first: file(row(1, "启安村"), row(2, "启安村")), then: file(row(1, "启安村"), row(2, "无名村"))}
		rep, err = db.Lists.Import(ctx, sanlian.FindImportKind("households"), f.open)
		MustOK(t, err)
		mustReject(t, rep, 3, "村(社区)", "无名村")
		if households() != n || auditRows(t, raw) != audits || f.opens != 2 {
			t.Fatalf("households %d → %d, audit rows %d → %d, opened %d times", n, households(), audits, auditRows(t, raw), f.opens)
		}

		// A number that another write took meanwhile: the unique index
		// refuses it and the whole import rolls back.
		_, err = db.Problems.CreateProblem(ctx, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA, Description: "路面坑洼"})
		MustOK(t, err)
		problems := MustCount(t, raw, "SELECT COUNT(*) FROM problems")
		p := func(number string) map[string]string {
			return map[string]string{"number": number, "title": "饮水", "category": "rural", "village": "启安村", "created": "2021-04-22"}
		}
		f = &changingFile{first: file(p("安化-2021-000100"), p("")), then: file(p("安化-2021-000001"), p(""))}
		rep, err = db.Lists.Import(ctx, sanlian.FindImportKind("problems"), f.open)
		MustOK(t, err)
		mustReject(t, rep, 0, "", "没有导入任何数据")
		if got := MustCount(t, raw, "SELECT COUNT(*) FROM problems"); got != problems {
			t.Fatalf("problems %d → %d", problems, got)
		}
	})
}

// TestImportService_ListsRoundTrip writes a unit's three lists as the
// workbook offices download, and reads each sheet back through the Excel
// reader into a second county: the problems, projects and entered
// responsibilities come back as they were, and the lines the
// responsibility list derives from problems and projects are skipped.
func TestImportService_ListsRoundTrip(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		newClock(db)
		office, admin := users["office"], users["unitadmin"]
		fill := func(db *sqldb.DB) {
			mustCommit(t, mustImport(t, db, office, "problems", file(
				map[string]string{"number": "安化-2021-000007", "title": "黄沙坪村低保复核", "description": "群众反映低保评定不公。", "category": "政策落实",
					"source": "热线电话", "village": "东坪镇黄沙坪村", "unit": "县民政局", "person": "赵丽", "created": "2021-04-20", "deadline": "2021-05-20",
					"state": "办理中", "progress": "已入户核查 3 户"})), 1, 0)
		}
		fill(db)
		mustCommit(t, mustImport(t, db, admin, "projects", file(
			map[string]string{"title": "轮椅发放", "unit": "县民政局", "category": "社保医疗", "target": "320", "measure": "台", "done": "80",
				"beneficiaries": "全县重度残疾人", "start": "2021-05-01", "end": "2021-10-31", "leader": "李明", "person": "赵丽", "status": sanlian.ProjectOngoing},
			map[string]string{"title": "东坪镇轮椅发放", "parent": "轮椅发放", "unit": "县民政局", "target": "200", "measure": "台", "done": "50",
				"start": "2021-05-01", "end": "2021-10-31", "status": sanlian.ProjectOngoing},
			map[string]string{"title": "慰问走访", "unit": "县民政局", "start": "2021-05-01", "end": "2021-10-31", "progress": "进度 40%",
				"status": sanlian.ProjectOngoing})), 3, 0)
		mustCommit(t, mustImport(t, db, admin, "responsibilities", file(
			map[string]string{"task": "整理救助档案", "unit": "县民政局", "leader": "李明", "person": "赵丽", "measures": "按户建档",
				"deadline": "2021-07-01", "state": sanlian.RespDone, "progress": "已完成 120 户"})), 1, 0)
		before, err := db.Lists.FindLists(sqldbtest.As(office), sanlian.ListsFilter{UnitID: 1})
		MustOK(t, err)
		var buf bytes.Buffer
		MustOK(t, xlsx.WriteLists(&buf, "县民政局", before))

		other := sqldbtest.Open(t, db.Dialect.String())
		otherUsers := sqldbtest.LoadSmall(t, other)
		newClock(other)
		read := func(kind string) func() (sanlian.RowSource, error) {
			return func() (sanlian.RowSource, error) {
				return xlsx.ReadImport(bytes.NewReader(buf.Bytes()), int64(buf.Len()), sanlian.FindImportKind(kind))
			}
		}
		for _, x := range []struct {
			kind             string
			created, skipped int
		}{{"problems", 1, 0}, {"projects", 3, 0}, {"responsibilities", 1, 4}} {
			rep, err := other.Lists.Import(sqldbtest.As(otherUsers["office"]), sanlian.FindImportKind(x.kind), read(x.kind))
			MustOK(t, err)
			if !rep.Committed || rep.Created != x.created || rep.Skipped != x.skipped {
				t.Fatalf("%s: %+v", x.kind, rep)
			}
		}
		after, err := other.Lists.FindLists(sqldbtest.As(otherUsers["office"]), sanlian.ListsFilter{UnitID: 1})
		MustOK(t, err)
		var again bytes.Buffer
		MustOK(t, xlsx.WriteLists(&again, "县民政局", after))
		a, b := listsText(t, buf.Bytes()), listsText(t, again.Bytes())
		if a != b {
			t.Fatalf("lists differ after the round trip:\n%s\n---\n%s", a, b)
		}
		if !strings.Contains(a, "已入户核查 3 户") || !strings.Contains(a, "进度 25%") || !strings.Contains(a, "已完成 120 户") {
			t.Fatalf("lists:\n%s", a)
		}
	})
}

// listsText is every sheet of a lists workbook as text, a line a row.
func listsText(t *testing.T, b []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out = append(out, sh+": "+strings.Join(r, " | "))
		}
	}
	return strings.Join(out, "\n")
}
