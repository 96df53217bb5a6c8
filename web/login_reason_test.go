package web_test

import (
	"fmt"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// TestAPILogin_SecondFactorReason: over the API, a right password with a
// wrong TOTP code is counted as a second-factor failure, a wrong password
// as a credentials failure; both get the same 401 words.
func TestAPILogin_SecondFactorReason(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		as := sqldbtest.As(a.user("office"))
		en, err := db.Accounts.BeginTOTP(as, "三联三清")
		if err != nil {
			t.Fatal(err)
		}
		code, _ := sanlian.TOTPCode(en.Secret, time.Now())
		if _, err := db.Accounts.ConfirmTOTP(as, code); err != nil {
			t.Fatal(err)
		}
		wrong := "000000"
		if wrong == code {
			wrong = "000001"
		}
		for _, body := range []string{
			fmt.Sprintf(`{"username":"office","password":%q,"totp":%q}`, sqldbtest.Password, wrong),
			`{"username":"office","password":"wrong-password","totp":"123456"}`,
		} {
			res, got := a.do("POST", "/api/v1/login", "", body)
			if res.StatusCode != 401 || problemCode(t, res, got) != sanlian.EUNAUTHORIZED {
				t.Fatalf("%s: %d %s", body, res.StatusCode, got)
			}
		}
		_, metrics := scrape(t, a)
		for series, want := range map[string]float64{
			`sanlian_login_failures_total{reason="credentials"}`:   1,
			`sanlian_login_failures_total{reason="second_factor"}`: 1,
		} {
			if got := metricValue(metrics, series); got != want {
				t.Errorf("%s = %v, want %v", series, got, want)
			}
		}
	})
}
