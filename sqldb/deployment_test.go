package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sanlian"
	"sanlian/blobs"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// openDeployment opens a deployment on a fresh database, each county's DB
// keyed and given a file store.
func openDeployment(t *testing.T) *sqldb.Deployment {
	t.Helper()
	dsn := sqldbtest.EmptyPostgres(t)
	dir := t.TempDir()
	d, err := sqldb.OpenDeployment(context.Background(), dsn, sqldb.DeploymentOptions{
		Setup: func(ctx context.Context, code string, db *sqldb.DB) error {
			var err error
			if db.Blobs, err = blobs.NewDir(filepath.Join(dir, code)); err != nil {
				return err
			}
			return db.UseKey(ctx, sqldbtest.NewKey(t), nil)
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// loadMarked loads SmallCounty with every name of a household, cadre and
// unit starting with mark, so that a row tells which county it came from.
func loadMarked(t *testing.T, db *sqldb.DB, mark string) map[string]*sanlian.User {
	t.Helper()
	c := sqldbtest.SmallCounty()
	for _, h := range c.Households {
		h.HeadName = mark + h.HeadName
	}
	for _, x := range c.Cadres {
		x.Name = mark + x.Name
	}
	for _, u := range c.Units {
		u.Name = mark + u.Name
	}
	if err := db.LoadCounty(sanlian.NewSystemContext(context.Background()), c); err != nil {
		t.Fatal(err)
	}
	users := map[string]*sanlian.User{}
	for _, a := range c.Accounts {
		users[a.User.Username] = a.User
	}
	return users
}

func TestOpenDeployment_SQLite(t *testing.T) {
	_, err := sqldb.OpenDeployment(context.Background(), filepath.Join(t.TempDir(), "x.db"), sqldb.DeploymentOptions{})
	if !errors.Is(err, sqldb.ErrNeedsPostgres) || !strings.Contains(sanlian.ErrorMessage(err), "多县部署需要 PostgreSQL") {
		t.Fatalf("got %v, want 多县部署需要 PostgreSQL", err)
	}
}

func TestOpenDeployment_RefusesSingleCounty(t *testing.T) {
	if os.Getenv("SANLIAN_TEST_PG") == "" {
		t.Skip("多县部署只用 PostgreSQL：SANLIAN_TEST_PG 未设置")
	}
	db := sqldbtest.Open(t, "postgres") // a single county, migrated into public
	_, err := sqldb.OpenDeployment(context.Background(), db.DSN, sqldb.DeploymentOptions{})
	if sanlian.ErrorCode(err) != sanlian.EINVALID || !strings.Contains(sanlian.ErrorMessage(err), "public 模式中已有单县部署的数据") {
		t.Fatalf("got %v, want the single county refused", err)
	}
}

func TestDeployment_CreateCounty(t *testing.T) {
	d := openDeployment(t)
	ctx := context.Background()
	if _, err := d.CreateCounty(ctx, "430923", "安化县"); err != nil {
		t.Fatal(err)
	}
	t.Run("ErrConflict", func(t *testing.T) {
		_, err := d.CreateCounty(ctx, "430923", "安化县")
		if sanlian.ErrorCode(err) != sanlian.ECONFLICT {
			t.Fatalf("got %v, want ECONFLICT", err)
		}
	})
	t.Run("ErrBadCode", func(t *testing.T) {
		for _, code := range []string{"43092", "430923; DROP SCHEMA public", ""} {
			if _, err := d.CreateCounty(ctx, code, "某县"); sanlian.ErrorCode(err) != sanlian.EINVALID {
				t.Errorf("%q: got %v, want EINVALID", code, err)
			}
		}
	})
	t.Run("ErrNoName", func(t *testing.T) {
		if _, err := d.CreateCounty(ctx, "430921", " "); sanlian.ErrorCode(err) != sanlian.EINVALID {
			t.Fatalf("got %v, want EINVALID", err)
		}
	})
	t.Run("ErrUnknownCounty", func(t *testing.T) {
		if _, err := d.County(ctx, "430999"); sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
			t.Fatalf("got %v, want ENOTFOUND", err)
		}
	})
	t.Run("Registry", func(t *testing.T) {
		if _, err := d.CreateCounty(ctx, "430903", "赫山区", "heshan.example.cn"); err != nil {
			t.Fatal(err)
		}
		cs, err := d.Counties(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 || cs[0].Code != "430903" || cs[0].Level != sanlian.LevelDistrict || cs[0].Schema != "county_430903" ||
			len(cs[0].Hosts) != 1 || cs[0].Hosts[0] != "heshan.example.cn" || cs[1].Code != "430923" {
			t.Fatalf("got %+v", cs)
		}
	})
	t.Run("Migrated", func(t *testing.T) {
		db, err := d.County(ctx, "430923")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(db.Identity(), "county_430923") {
			t.Errorf("identity %q does not name the county's schema", db.Identity())
		}
	})
}

// TestDeployment_Isolation: two counties in one database see only their
// own rows, through every store.
func TestDeployment_Isolation(t *testing.T) {
	d := openDeployment(t)
	ctx := context.Background()
	for code, name := range map[string]string{"430923": "安化县", "430921": "南县"} {
		if _, err := d.CreateCounty(ctx, code, name); err != nil {
			t.Fatal(err)
		}
	}
	a, err := d.County(ctx, "430923")
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.County(ctx, "430921")
	if err != nil {
		t.Fatal(err)
	}
	ua, ub := loadMarked(t, a, "甲"), loadMarked(t, b, "乙")
	// A has three problems and a visit, B one of each: ids overlap only
	// where both have the row.
	var aProblems []*sanlian.Problem
	for _, title := range []string{"甲县村道塌方", "甲县路灯不亮", "甲县饮水困难"} {
		p, err := a.Problems.CreateProblem(sqldbtest.As(ua["cadre"]), &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
			Title: title, Description: title + "，群众反映强烈", ReporterName: "刘大爷", ReporterPhone: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		aProblems = append(aProblems, p)
	}
	if _, err := b.Problems.CreateProblem(sqldbtest.As(ub["cadre"]), &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
		Title: "乙县河堤破损", Description: "乙县河堤破损，汛期危险", ReporterName: "王大妈", ReporterPhone: "13912345679"}); err != nil {
		t.Fatal(err)
	}
	for db, users := range map[*sqldb.DB]map[string]*sanlian.User{a: ua, b: ub} {
		mark := "甲"
		if db == b {
			mark = "乙"
		}
		if _, _, err := db.Work.CreateVisit(sqldbtest.As(users["cadre"]), &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: db.Now().Format("2006-01-02"),
			HouseholdID: 1, Findings: mark + "县走访：房屋漏雨"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Accounts.CreateUser(sanlian.NewSystemContext(ctx), &sanlian.User{Username: "onlya", DisplayName: "甲县专员", Role: sanlian.RoleOffice}, "Only-A-2021!x"); err != nil {
		t.Fatal(err)
	}

	t.Run("LoginElsewhere", func(t *testing.T) {
		if _, _, err := a.Accounts.Login(ctx, "onlya", "Only-A-2021!x", "browser"); err != nil {
			t.Fatalf("login at home: %v", err)
		}
		_, _, err := b.Accounts.Login(ctx, "onlya", "Only-A-2021!x", "browser")
		if sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
			t.Fatalf("A's account against B: got %v, want EUNAUTHORIZED", err)
		}
	})
	t.Run("TokenElsewhere", func(t *testing.T) {
		s, _, err := a.Accounts.Login(ctx, "onlya", "Only-A-2021!x", "browser")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Accounts.Authenticate(ctx, s.Token); err != nil {
			t.Fatalf("token at home: %v", err)
		}
		if _, err := b.Accounts.Authenticate(ctx, s.Token); sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
			t.Fatalf("A's token against B: got %v, want EUNAUTHORIZED", err)
		}
	})
	t.Run("ProblemElsewhere", func(t *testing.T) {
		office := sqldbtest.As(ub["office"])
		_, err := b.Problems.FindProblemByID(office, aProblems[2].ID)
		if sanlian.ErrorCode(err) != sanlian.ENOTFOUND {
			t.Fatalf("A's problem %d through B: got %v, want ENOTFOUND", aProblems[2].ID, err)
		}
	})
	t.Run("Listings", func(t *testing.T) {
		for _, c := range []struct {
			db    *sqldb.DB
			users map[string]*sanlian.User
			mine  string
			other string
		}{{a, ua, "甲", "乙"}, {b, ub, "乙", "甲"}} {
			office := sqldbtest.As(c.users["office"])
			var texts []string
			ps, _, err := c.db.Problems.FindProblems(office, sanlian.ProblemFilter{})
			must(t, err)
			for _, p := range ps {
				texts = append(texts, "problem "+p.Title)
			}
			hs, _, err := c.db.Org.FindHouseholds(office, sanlian.HouseholdFilter{})
			must(t, err)
			for _, h := range hs {
				texts = append(texts, "household "+h.HeadName)
			}
			cs, _, err := c.db.Org.FindCadres(office, sanlian.CadreFilter{})
			must(t, err)
			for _, x := range cs {
				texts = append(texts, "cadre "+x.Name)
			}
			vs, _, err := c.db.Work.FindVisits(office, sanlian.VisitFilter{})
			must(t, err)
			for _, v := range vs {
				texts = append(texts, "visit "+v.Findings)
			}
			if len(ps) == 0 || len(hs) == 0 || len(cs) == 0 || len(vs) == 0 {
				t.Fatalf("%s: an empty listing proves nothing: %d problems, %d households, %d cadres, %d visits", c.mine, len(ps), len(hs), len(cs), len(vs))
			}
			for _, s := range texts {
				if !strings.Contains(s, c.mine) || strings.Contains(s, c.other) {
					t.Errorf("county %s lists %q", c.mine, s)
				}
			}
			audit, _, err := c.db.FindAudit(sqldbtest.As(c.users["auditor"]), sanlian.AuditFilter{})
			must(t, err)
			if len(audit) == 0 {
				t.Fatalf("%s: no audit rows", c.mine)
			}
		}
		if n := len(mustProblems(t, a, ua)); n != 3 {
			t.Errorf("A lists %d problems, want 3", n)
		}
		if n := len(mustProblems(t, b, ub)); n != 1 {
			t.Errorf("B lists %d problems, want 1", n)
		}
	})
	t.Run("AuditSeenOnlyAtHome", func(t *testing.T) {
		// A's account was created and logged in at A; at B its name only
		// ever appears as a refused login (the attempt above).
		actions := func(db *sqldb.DB, users map[string]*sanlian.User) map[string]bool {
			rows, _, err := db.FindAudit(sqldbtest.As(users["auditor"]), sanlian.AuditFilter{})
			must(t, err)
			out := map[string]bool{}
			for _, e := range rows {
				if e.Actor == "onlya" || strings.Contains(e.Changes, "onlya") || e.EntityID == "onlya" {
					out[e.Action] = true
				}
			}
			return out
		}
		atA, atB := actions(a, ua), actions(b, ub)
		if !atA["login"] {
			t.Errorf("A's audit lacks onlya's login: %v", atA)
		}
		for act := range atB {
			if act != "login.failed" {
				t.Errorf("B's audit shows onlya's %q (all: %v)", act, atB)
			}
		}
	})
}

func mustProblems(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) []*sanlian.Problem {
	t.Helper()
	ps, _, err := db.Problems.FindProblems(sqldbtest.As(users["office"]), sanlian.ProblemFilter{})
	must(t, err)
	return ps
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeployment_CityAccounts(t *testing.T) {
	d := openDeployment(t)
	ctx := context.Background()
	if err := d.CreateCityUser(ctx, "city", "益阳市办公室", sanlian.RoleCityOffice, "Sanlian@2021"); err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		tok, u, err := d.CityLogin(ctx, "city", "Sanlian@2021")
		if err != nil || u.Role != sanlian.RoleCityOffice {
			t.Fatalf("got %v %+v", err, u)
		}
		if got, err := d.CityAuthenticate(ctx, tok); err != nil || got.Username != "city" {
			t.Fatalf("authenticate: %v %+v", err, got)
		}
		must(t, d.CityLogout(ctx, tok))
		if _, err := d.CityAuthenticate(ctx, tok); sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
			t.Fatalf("after logout: got %v", err)
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		if _, _, err := d.CityLogin(ctx, "city", "wrong"); sanlian.ErrorMessage(err) != sanlian.LoginRefused {
			t.Fatalf("got %v", err)
		}
		if _, _, err := d.CityLogin(ctx, "nobody", "Sanlian@2021"); sanlian.ErrorMessage(err) != sanlian.LoginRefused {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrBadRole", func(t *testing.T) {
		err := d.CreateCityUser(ctx, "office2", "", sanlian.RoleOffice, "Sanlian@2021")
		if sanlian.ErrorCode(err) != sanlian.EINVALID {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrTaken", func(t *testing.T) {
		if err := d.CreateCityUser(ctx, "city", "", sanlian.RoleProvinceOffice, "Sanlian@2021"); sanlian.ErrorCode(err) != sanlian.ECONFLICT {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrLocked", func(t *testing.T) {
		must(t, d.CreateCityUser(ctx, "city2", "", sanlian.RoleCityOffice, "Sanlian@2021"))
		for range 5 {
			d.CityLogin(ctx, "city2", "wrong")
		}
		if _, _, err := d.CityLogin(ctx, "city2", "Sanlian@2021"); sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
			t.Fatalf("locked account logged in: %v", err)
		}
	})
	t.Run("ErrTokenOfCounty", func(t *testing.T) {
		if _, err := d.CreateCounty(ctx, "430923", "安化县"); err != nil {
			t.Fatal(err)
		}
		db, err := d.County(ctx, "430923")
		must(t, err)
		loadMarked(t, db, "甲")
		s, _, err := db.Accounts.Login(ctx, "office", sqldbtest.Password, "browser")
		must(t, err)
		if _, err := d.CityAuthenticate(ctx, s.Token); sanlian.ErrorCode(err) != sanlian.EUNAUTHORIZED {
			t.Fatalf("a county's token at the city: %v", err)
		}
	})
}
