package sqldb_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

var (
	maskedIDRE    = regexp.MustCompile(`^430923\*{8}[0-9X]{4}$`)
	maskedPhoneRE = regexp.MustCompile(`^1[3-9][0-9]\*{4}[0-9]{4}$`)
)

// checkMaskedHousehold fails unless h carries its personal data masked.
func checkMaskedHousehold(tb testing.TB, h *sanlian.Household) {
	tb.Helper()
	whole := smallHousehold(h.ID)
	if h.IDNumber != sanlian.MaskIDNumber(whole.IDNumber) || !maskedIDRE.MatchString(h.IDNumber) {
		tb.Errorf("household %d: id number %q, want %q", h.ID, h.IDNumber, sanlian.MaskIDNumber(whole.IDNumber))
	}
	if h.Phone != sanlian.MaskPhone(whole.Phone) || !maskedPhoneRE.MatchString(h.Phone) {
		tb.Errorf("household %d: phone %q, want %q", h.ID, h.Phone, sanlian.MaskPhone(whole.Phone))
	}
}

func TestHouseholdService_Masking(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		for _, role := range []string{"office", "leader", "unitadmin", "cadre", "cadre5"} {
			t.Run(role, func(t *testing.T) {
				ctx := sqldbtest.As(users[role])
				hs, _, err := db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{})
				MustOK(t, err)
				if len(hs) == 0 {
					t.Fatal("no household in scope")
				}
				for _, h := range hs {
					checkMaskedHousehold(t, h)
					byID, err := db.Org.FindHouseholdByID(ctx, h.ID)
					MustOK(t, err)
					checkMaskedHousehold(t, byID)
				}
			})
		}
		t.Run("Example", func(t *testing.T) {
			h, err := db.Org.FindHouseholdByID(sqldbtest.As(users["office"]), 1)
			MustOK(t, err)
			// 430923 1951 01 01 001 + check digit; phone 13900000001.
			want := sqldbtest.IDNumber("43092319510101001")
			if h.IDNumber != "430923********"+want[14:] || h.Phone != "139****0001" {
				t.Errorf("household 1: %q %q", h.IDNumber, h.Phone)
			}
		})
		t.Run("Cadres", func(t *testing.T) {
			for _, role := range []string{"office", "leader", "unitadmin", "cadre", "cadre5", "sysadmin"} {
				ctx := sqldbtest.As(users[role])
				cs, _, err := db.Org.FindCadres(ctx, sanlian.CadreFilter{})
				MustOK(t, err)
				for _, c := range cs {
					want := sanlian.MaskPhone(smallCadre(c.ID).Phone)
					if c.Phone != want || !maskedPhoneRE.MatchString(c.Phone) {
						t.Errorf("%s: cadre %d phone %q, want %q", role, c.ID, c.Phone, want)
					}
					byID, err := db.Org.FindCadreByID(ctx, c.ID)
					MustOK(t, err)
					if byID.Phone != want {
						t.Errorf("%s: FindCadreByID(%d) phone %q, want %q", role, c.ID, byID.Phone, want)
					}
				}
			}
			c, err := db.Org.FindCadreByID(sqldbtest.As(users["office"]), 2)
			MustOK(t, err)
			if c.Phone != "138****0002" {
				t.Errorf("cadre 2 phone %q, want 138****0002", c.Phone)
			}
		})
	})
}

func TestHouseholdService_RevealHousehold(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		// Roles that may reveal, each on a household in its scope.
		for _, tc := range []struct {
			role string
			id   int64
		}{{"office", 20}, {"unitadmin", 5}, {"cadre", 2}, {"cadre5", 11}} {
			t.Run("OK/"+tc.role, func(t *testing.T) {
				before := auditRows(t, raw)
				idn, phone, err := db.Org.RevealHousehold(sqldbtest.As(users[tc.role]), tc.id)
				MustOK(t, err)
				want := smallHousehold(tc.id)
				if idn != want.IDNumber || phone != want.Phone {
					t.Errorf("reveal = %q, %q; want %q, %q", idn, phone, want.IDNumber, want.Phone)
				}
				if n := auditRows(t, raw); n != before+1 {
					t.Fatalf("audit rows %d → %d, want one more", before, n)
				}
				e := MustLastAudit(t, db, users)
				if e.Action != "reveal" || e.Entity != "household" || e.EntityID != fmt.Sprint(tc.id) ||
					e.Actor != tc.role || e.ActorID != users[tc.role].ID {
					t.Errorf("audit row = %+v", e)
				}
				if leak := containsAny(e.Changes, want.IDNumber, want.Phone); leak != "" {
					t.Errorf("audit row of the reveal holds %q", leak)
				}
			})
		}
		for _, tc := range []struct {
			name, role string
			id         int64
			code       string
		}{
			{"ErrForbidden/leader", "leader", 1, sanlian.EFORBIDDEN},
			{"ErrForbidden/sysadmin", "sysadmin", 1, sanlian.EFORBIDDEN},
			{"ErrForbidden/auditor", "auditor", 1, sanlian.EFORBIDDEN},
			{"ErrNotFound/outOfScope", "cadre", 4, sanlian.ENOTFOUND},
			{"ErrNotFound/absent", "office", 999, sanlian.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := auditRows(t, raw)
				idn, phone, err := db.Org.RevealHousehold(sqldbtest.As(users[tc.role]), tc.id)
				MustCode(t, err, tc.code)
				if idn != "" || phone != "" {
					t.Errorf("refused reveal returned %q, %q", idn, phone)
				}
				if n := auditRows(t, raw); n != before {
					t.Errorf("audit rows %d → %d, want none added", before, n)
				}
			})
		}
	})
}

func TestCadreService_RevealCadrePhone(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		for _, tc := range []struct {
			role string
			id   int64
		}{{"office", 1}, {"unitadmin", 3}, {"cadre", 2}} {
			t.Run("OK/"+tc.role, func(t *testing.T) {
				before := auditRows(t, raw)
				phone, err := db.Org.RevealCadrePhone(sqldbtest.As(users[tc.role]), tc.id)
				MustOK(t, err)
				if want := smallCadre(tc.id).Phone; phone != want {
					t.Errorf("phone = %q, want %q", phone, want)
				}
				if n := auditRows(t, raw); n != before+1 {
					t.Fatalf("audit rows %d → %d, want one more", before, n)
				}
				e := MustLastAudit(t, db, users)
				if e.Action != "reveal" || e.Entity != "cadre" || e.EntityID != fmt.Sprint(tc.id) || e.Actor != tc.role {
					t.Errorf("audit row = %+v", e)
				}
			})
		}
		for _, tc := range []struct {
			name, role string
			id         int64
			code       string
		}{
			{"ErrForbidden/leader", "leader", 1, sanlian.EFORBIDDEN},
			{"ErrForbidden/sysadmin", "sysadmin", 1, sanlian.EFORBIDDEN},
			{"ErrForbidden/auditor", "auditor", 1, sanlian.EFORBIDDEN},
			{"ErrNotFound/outOfScope", "unitadmin", 4, sanlian.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := auditRows(t, raw)
				phone, err := db.Org.RevealCadrePhone(sqldbtest.As(users[tc.role]), tc.id)
				MustCode(t, err, tc.code)
				if phone != "" {
					t.Errorf("refused reveal returned %q", phone)
				}
				if n := auditRows(t, raw); n != before {
					t.Errorf("audit rows %d → %d, want none added", before, n)
				}
			})
		}
	})
}

// newHousehold returns a valid household for village A, which the office
// and the unit admin may write to.
func newHousehold(seqNo int) *sanlian.Household {
	return &sanlian.Household{
		VillageCode: sqldbtest.VillageA, HeadName: fmt.Sprintf("新户%d", seqNo),
		IDNumber: sqldbtest.IDNumber(fmt.Sprintf("43092319800202%03d", seqNo)), Phone: fmt.Sprintf("137%08d", seqNo),
		Address: "6组", Members: 3, Tags: []sanlian.Tag{{Kind: sanlian.TagKeyGroup, Sub: "特困"}},
	}
}

func TestHouseholdService_CreateHousehold(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		t.Run("OK", func(t *testing.T) {
			h := newHousehold(1)
			whole := *h
			MustOK(t, db.Org.CreateHousehold(office, h))
			if h.ID != 21 || h.Version != 1 {
				t.Errorf("new household id %d version %d, want 21, 1", h.ID, h.Version)
			}
			if h.IDNumber != sanlian.MaskIDNumber(whole.IDNumber) || h.Phone != sanlian.MaskPhone(whole.Phone) {
				t.Errorf("returned personal data not masked: %q %q", h.IDNumber, h.Phone)
			}
			got, err := db.Org.FindHouseholdByID(office, h.ID)
			MustOK(t, err)
			if got.HeadName != whole.HeadName || got.VillageCode != sqldbtest.VillageA || got.Members != 3 ||
				len(got.Tags) != 1 || got.Tags[0] != whole.Tags[0] {
				t.Errorf("stored household = %+v", got)
			}
			// The tag is indexed for the must-visit filter.
			hs, _, err := db.Org.FindHouseholds(office, sanlian.HouseholdFilter{Tag: sanlian.TagKeyGroup})
			MustOK(t, err)
			if ids := householdIDs(hs); !equalIDs(ids, []int64{1, 10, 11, 21}) {
				t.Errorf("key-group households = %v", ids)
			}
			idn, phone, err := db.Org.RevealHousehold(office, h.ID)
			MustOK(t, err)
			if idn != whole.IDNumber || phone != whole.Phone {
				t.Errorf("stored personal data = %q %q, want %q %q", idn, phone, whole.IDNumber, whole.Phone)
			}
		})
		t.Run("OKUnitAdmin", func(t *testing.T) {
			h := newHousehold(2)
			MustOK(t, db.Org.CreateHousehold(sqldbtest.As(users["unitadmin"]), h))
			// Now in the unit admin's scope: village A is linked to unit 1.
			_, err := db.Org.FindHouseholdByID(sqldbtest.As(users["unitadmin"]), h.ID)
			MustOK(t, err)
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, tc := range []struct {
				role, village string
			}{
				{"unitadmin", sqldbtest.VillageC}, // not linked to unit 1 or 2
				{"cadre", sqldbtest.VillageA},
				{"leader", sqldbtest.VillageA},
				{"sysadmin", sqldbtest.VillageA},
				{"auditor", sqldbtest.VillageA},
			} {
				before := MustCount(t, raw, "SELECT COUNT(*) FROM households")
				h := newHousehold(3)
				h.VillageCode = tc.village
				err := db.Org.CreateHousehold(sqldbtest.As(users[tc.role]), h)
				if sanlian.ErrorCode(err) != sanlian.EFORBIDDEN {
					t.Errorf("%s in %s: code %q (%v), want forbidden", tc.role, tc.village, sanlian.ErrorCode(err), err)
				}
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM households"); n != before {
					t.Errorf("%s: households %d → %d", tc.role, before, n)
				}
			}
		})
		for _, tc := range []struct {
			name, field string
			edit        func(h *sanlian.Household)
		}{
			{"ErrCheckDigit", "id_number", func(h *sanlian.Household) {
				wrong := "0"
				if h.IDNumber[17] == '0' {
					wrong = "1"
				}
				h.IDNumber = h.IDNumber[:17] + wrong
			}},
			{"ErrIDBirthDate", "id_number", func(h *sanlian.Household) { h.IDNumber = sqldbtest.IDNumber("43092319801302001") }},
			{"ErrIDLength", "id_number", func(h *sanlian.Household) { h.IDNumber = "43092319800202" }},
			{"ErrPhone", "phone", func(h *sanlian.Household) { h.Phone = "1234567" }},
			{"ErrPhoneMobile", "phone", func(h *sanlian.Household) { h.Phone = "12900000001" }},
			{"ErrUnknownVillage", "village", func(h *sanlian.Household) { h.VillageCode = "430923100099" }},
			{"ErrTownshipAsVillage", "village", func(h *sanlian.Household) { h.VillageCode = sqldbtest.Dongping }},
			{"ErrMalformedVillage", "village", func(h *sanlian.Household) { h.VillageCode = "东坪" }},
			{"ErrMissingHeadName", "head_name", func(h *sanlian.Household) { h.HeadName = "  " }},
			{"ErrMembers", "members", func(h *sanlian.Household) { h.Members = 0 }},
			{"ErrTag", "tags", func(h *sanlian.Household) { h.Tags = []sanlian.Tag{{Kind: "vip"}} }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				hBefore := MustCount(t, raw, "SELECT COUNT(*) FROM households")
				tBefore := MustCount(t, raw, "SELECT COUNT(*) FROM household_tags")
				aBefore := auditRows(t, raw)
				h := newHousehold(4)
				tc.edit(h)
				err := db.Org.CreateHousehold(office, h)
				MustField(t, err, tc.field)
				if h.ID != 0 {
					t.Errorf("refused household got id %d", h.ID)
				}
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM households"); n != hBefore {
					t.Errorf("households %d → %d", hBefore, n)
				}
				if n := MustCount(t, raw, "SELECT COUNT(*) FROM household_tags"); n != tBefore {
					t.Errorf("household tags %d → %d", tBefore, n)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("audit rows %d → %d", aBefore, n)
				}
			})
		}
		t.Run("ErrSeveralFields", func(t *testing.T) {
			err := db.Org.CreateHousehold(office, &sanlian.Household{VillageCode: "x", IDNumber: "1", Phone: "2", Members: 1})
			MustCode(t, err, sanlian.EUNPROCESSABLE)
			f := sanlian.ErrorFields(err)
			for _, k := range []string{"head_name", "village", "id_number", "phone"} {
				if f[k] == "" {
					t.Errorf("no message for %q in %v", k, f)
				}
			}
		})
	})
}

func TestHouseholdService_UpdateHousehold(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		t.Run("OK", func(t *testing.T) {
			h, err := db.Org.UpdateHousehold(office, 8, sanlian.HouseholdUpdate{
				HeadName: ptr("黄新"), Members: ptr(4), Phone: ptr("13512345678"),
				Tags: &[]sanlian.Tag{{Kind: sanlian.TagConflict, Sub: "诉求强烈"}}, Version: 1})
			MustOK(t, err)
			if h.Version != 2 || h.HeadName != "黄新" || h.Members != 4 || h.Phone != "135****5678" {
				t.Errorf("updated household = %+v", h)
			}
			got, err := db.Org.FindHouseholdByID(office, 8)
			MustOK(t, err)
			if got.Version != 2 || got.HeadName != "黄新" || len(got.Tags) != 1 || got.Tags[0].Sub != "诉求强烈" {
				t.Errorf("stored household = %+v", got)
			}
			hs, _, err := db.Org.FindHouseholds(office, sanlian.HouseholdFilter{Tag: sanlian.TagConflict})
			MustOK(t, err)
			if ids := householdIDs(hs); !equalIDs(ids, []int64{5, 8, 16}) {
				t.Errorf("conflict households = %v, want [5 8 16]", ids)
			}
			// The next update must carry the new version.
			h, err = db.Org.UpdateHousehold(office, 8, sanlian.HouseholdUpdate{Address: ptr("9组"), Version: 2})
			MustOK(t, err)
			if h.Version != 3 || h.Address != "9组" || h.HeadName != "黄新" {
				t.Errorf("second update = %+v", h)
			}
		})
		t.Run("ErrStaleVersion", func(t *testing.T) {
			_, err := db.Org.UpdateHousehold(office, 9, sanlian.HouseholdUpdate{HeadName: ptr("赵一"), Version: 1})
			MustOK(t, err)
			aBefore := auditRows(t, raw)
			_, err = db.Org.UpdateHousehold(office, 9, sanlian.HouseholdUpdate{HeadName: ptr("赵二"), Phone: ptr("13600000000"), Version: 1})
			MustCode(t, err, sanlian.ECONFLICT)
			got, err := db.Org.FindHouseholdByID(office, 9)
			MustOK(t, err)
			if got.Version != 2 || got.HeadName != "赵一" || got.Phone != sanlian.MaskPhone(smallHousehold(9).Phone) {
				t.Errorf("after a stale update: %+v", got)
			}
			if n := auditRows(t, raw); n != aBefore {
				t.Errorf("audit rows %d → %d", aBefore, n)
			}
			// A version from the future is just as stale.
			_, err = db.Org.UpdateHousehold(office, 9, sanlian.HouseholdUpdate{HeadName: ptr("赵三"), Version: 7})
			MustCode(t, err, sanlian.ECONFLICT)
		})
		t.Run("ErrUnprocessable", func(t *testing.T) {
			for _, tc := range []struct {
				field string
				upd   sanlian.HouseholdUpdate
			}{
				{"id_number", sanlian.HouseholdUpdate{IDNumber: ptr(smallHousehold(13).IDNumber[:17] + "Y")}},
				{"phone", sanlian.HouseholdUpdate{Phone: ptr("0000")}},
				{"village", sanlian.HouseholdUpdate{VillageCode: ptr("430923101099")}},
				{"head_name", sanlian.HouseholdUpdate{HeadName: ptr("")}},
			} {
				aBefore := auditRows(t, raw)
				tc.upd.Version = 1
				_, err := db.Org.UpdateHousehold(office, 13, tc.upd)
				MustField(t, err, tc.field)
				got, err := db.Org.FindHouseholdByID(office, 13)
				MustOK(t, err)
				checkMaskedHousehold(t, got)
				if got.Version != 1 || got.HeadName != smallHousehold(13).HeadName || got.VillageCode != sqldbtest.VillageC {
					t.Errorf("%s: household changed: %+v", tc.field, got)
				}
				if n := auditRows(t, raw); n != aBefore {
					t.Errorf("%s: audit rows %d → %d", tc.field, aBefore, n)
				}
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			// The cadre sees household 2 but may not edit it; the unit admin
			// sees household 4 through cadre 3 and may edit it only because
			// village A is linked to unit 1.
			_, err := db.Org.UpdateHousehold(sqldbtest.As(users["cadre"]), 2, sanlian.HouseholdUpdate{HeadName: ptr("x"), Version: 1})
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Org.UpdateHousehold(sqldbtest.As(users["leader"]), 2, sanlian.HouseholdUpdate{HeadName: ptr("x"), Version: 1})
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Org.UpdateHousehold(sqldbtest.As(users["unitadmin"]), 4, sanlian.HouseholdUpdate{Members: ptr(2), Version: 1})
			MustOK(t, err)
			// Moving it to a village outside unit 1's links is refused.
			_, err = db.Org.UpdateHousehold(sqldbtest.As(users["unitadmin"]), 4, sanlian.HouseholdUpdate{VillageCode: ptr(sqldbtest.VillageD), Version: 2})
			MustCode(t, err, sanlian.EFORBIDDEN)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := db.Org.UpdateHousehold(sqldbtest.As(users["cadre"]), 4, sanlian.HouseholdUpdate{HeadName: ptr("x"), Version: 1})
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Org.UpdateHousehold(office, 999, sanlian.HouseholdUpdate{HeadName: ptr("x"), Version: 1})
			MustCode(t, err, sanlian.ENOTFOUND)
		})
	})
}

// TestHouseholdService_ConcurrentUpdate races two writers carrying the same
// version: exactly one must win. Run with -race.
func TestHouseholdService_ConcurrentUpdate(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		const rounds = 5
		for round := range rounds {
			version := int64(round + 1)
			aBefore := auditRows(t, raw)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for i := range errs {
				wg.Go(func() {
					<-start
					_, errs[i] = db.Org.UpdateHousehold(office, 14, sanlian.HouseholdUpdate{
						Address: ptr(fmt.Sprintf("round %d writer %d", round, i)), Version: version})
				})
			}
			close(start)
			wg.Wait()
			won, lost := 0, 0
			for _, err := range errs {
				switch sanlian.ErrorCode(err) {
				case "":
					won++
				case sanlian.ECONFLICT:
					lost++
				default:
					t.Errorf("round %d: unexpected error %v", round, err)
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("round %d: %d won, %d conflicted; want 1 and 1", round, won, lost)
			}
			if n := auditRows(t, raw); n != aBefore+1 {
				t.Errorf("round %d: audit rows %d → %d, want one more", round, aBefore, n)
			}
		}
		h, err := db.Org.FindHouseholdByID(office, 14)
		MustOK(t, err)
		if h.Version != rounds+1 {
			t.Errorf("version after %d rounds = %d, want %d", rounds, h.Version, rounds+1)
		}
	})
}

func TestHouseholdService_FindHouseholds_Cursor(t *testing.T) {
	t.Parallel()
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		t.Run("OK", func(t *testing.T) {
			var got []int64
			var sizes []int
			cursor := ""
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("cursor never ends")
				}
				hs, next, err := db.Org.FindHouseholds(sqldbtest.As(users["office"]), sanlian.HouseholdFilter{Limit: 7, Cursor: cursor})
				MustOK(t, err)
				got = append(got, householdIDs(hs)...)
				sizes = append(sizes, len(hs))
				if next == "" {
					break
				}
				cursor = next
			}
			if !equalIDs(got, seq(1, 20)) {
				t.Errorf("walked %v, want 1–20 once each in order", got)
			}
			if fmt.Sprint(sizes) != "[7 7 6]" {
				t.Errorf("page sizes %v, want [7 7 6]", sizes)
			}
		})
		t.Run("OKExactPages", func(t *testing.T) {
			// Ten households in scope, pages of five: the second page is the
			// last and says so.
			ctx := sqldbtest.As(users["leader"])
			hs, next, err := db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{Limit: 5})
			MustOK(t, err)
			if !equalIDs(householdIDs(hs), seq(1, 5)) || next == "" {
				t.Fatalf("page 1 = %v, next %q", householdIDs(hs), next)
			}
			hs, next, err = db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{Limit: 5, Cursor: next})
			MustOK(t, err)
			if !equalIDs(householdIDs(hs), seq(6, 10)) || next != "" {
				t.Errorf("page 2 = %v, next %q", householdIDs(hs), next)
			}
		})
		t.Run("OKWithFilter", func(t *testing.T) {
			var got []int64
			cursor := ""
			for range 10 {
				hs, next, err := db.Org.FindHouseholds(sqldbtest.As(users["office"]), sanlian.HouseholdFilter{Tag: "any", Limit: 2, Cursor: cursor})
				MustOK(t, err)
				got = append(got, householdIDs(hs)...)
				if cursor = next; cursor == "" {
					break
				}
			}
			if !equalIDs(got, []int64{1, 5, 6, 10, 11, 16, 20}) {
				t.Errorf("walked %v", got)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			ctx := sqldbtest.As(users["office"])
			for _, c := range []string{"garbage!!", "%%%", base64.RawURLEncoding.EncodeToString([]byte("k:abc")),
				base64.RawURLEncoding.EncodeToString([]byte("x:12"))} {
				_, _, err := db.Org.FindHouseholds(ctx, sanlian.HouseholdFilter{Cursor: c})
				MustCode(t, err, sanlian.EINVALID)
				if sanlian.ErrorFields(err)["cursor"] == "" {
					t.Errorf("cursor %q: no field message", c)
				}
			}
			for name, find := range map[string]func() error{
				"units": func() error { _, _, err := db.Org.FindUnits(ctx, sanlian.UnitFilter{Cursor: "garbage!!"}); return err },
				"cadres": func() error {
					_, _, err := db.Org.FindCadres(ctx, sanlian.CadreFilter{Cursor: "garbage!!"})
					return err
				},
				"links": func() error { _, _, err := db.Org.FindLinks(ctx, sanlian.LinkFilter{Cursor: "garbage!!"}); return err },
				"regions": func() error {
					_, _, err := db.Org.FindRegions(ctx, sanlian.RegionFilter{Cursor: "garbage!!"})
					return err
				},
				"audit": func() error { _, _, err := db.FindAudit(ctx, sanlian.AuditFilter{Cursor: "garbage!!"}); return err },
			} {
				if code := sanlian.ErrorCode(find()); code != sanlian.EINVALID {
					t.Errorf("%s with a garbage cursor: code %q, want invalid", name, code)
				}
			}
		})
		t.Run("OtherLists", func(t *testing.T) {
			ctx := sqldbtest.As(users["office"])
			var units, cadres, links []int64
			var regions []string
			for c := ""; ; {
				us, next, err := db.Org.FindUnits(ctx, sanlian.UnitFilter{Limit: 2, Cursor: c})
				MustOK(t, err)
				for _, u := range us {
					units = append(units, u.ID)
				}
				if c = next; c == "" {
					break
				}
			}
			for c := ""; ; {
				cs, next, err := db.Org.FindCadres(ctx, sanlian.CadreFilter{Limit: 4, Cursor: c})
				MustOK(t, err)
				for _, x := range cs {
					cadres = append(cadres, x.ID)
				}
				if c = next; c == "" {
					break
				}
			}
			for c := ""; ; {
				ls, next, err := db.Org.FindLinks(ctx, sanlian.LinkFilter{Limit: 5, Cursor: c})
				MustOK(t, err)
				for _, l := range ls {
					links = append(links, l.ID)
				}
				if c = next; c == "" {
					break
				}
			}
			for c := ""; ; {
				rs, next, err := db.Org.FindRegions(ctx, sanlian.RegionFilter{Limit: 3, Cursor: c})
				MustOK(t, err)
				for _, r := range rs {
					regions = append(regions, r.Code)
				}
				if c = next; c == "" {
					break
				}
			}
			if !equalIDs(units, seq(1, 5)) || !equalIDs(cadres, seq(1, 6)) || !equalIDs(links, seq(1, 13)) || len(regions) != 7 {
				t.Errorf("walked units %v, cadres %v, links %v, regions %v", units, cadres, links, regions)
			}
		})
	})
}

// TestHouseholdService_DuplicateIDNumber: one household per ID number,
// also when two clerks enter the same one at once.
func TestHouseholdService_DuplicateIDNumber(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		var wg sync.WaitGroup
		errs := make([]error, 6)
		for i := range errs {
			wg.Go(func() { errs[i] = db.Org.CreateHousehold(office, newHousehold(1)) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var fe *sanlian.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &fe) && fe.Fields["id_number"] != "":
			default:
				t.Errorf("duplicate entry: %v", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d households entered with one ID number, want 1", ok)
		}
		// An update onto another household's number is refused the same way.
		h, err := db.Org.FindHouseholdByID(office, 2)
		MustOK(t, err)
		first := smallHousehold(1).IDNumber
		_, err = db.Org.UpdateHousehold(office, 2, sanlian.HouseholdUpdate{Version: h.Version, IDNumber: &first})
		var fe *sanlian.Error
		if !errors.As(err, &fe) || fe.Fields["id_number"] == "" {
			t.Errorf("update onto a taken ID number: %v", err)
		}
	})
}
