package sqldb_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// lookupClock is a movable clock for the lookup tests.
type lookupClock struct{ t time.Time }

func (c *lookupClock) pin(db *sqldb.DB) { db.Now = func() time.Time { return c.t } }

// lastCode is the last code queued by SMS to phone.
func lastCode(t *testing.T, db *sqldb.DB, phone string) string {
	t.Helper()
	codes, err := db.LookupCodesSentForTest(context.Background(), phone)
	MustOK(t, err)
	if len(codes) == 0 {
		t.Fatalf("no code sent to %s", phone)
	}
	return codes[len(codes)-1]
}

// TestLookup_RequestVerify: a phone with problems gets a code by SMS,
// stored hashed; the right code lists its problems (code, state, date
// only) once; a reused or expired code is refused; a phone without
// problems gets the same answer and no SMS.
func TestLookup_RequestVerify(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := publicCtx()
		clk := &lookupClock{time.Date(2021, 5, 10, 9, 0, 0, 0, sanlian.Shanghai)}
		clk.pin(db)
		const phone, other = "13912345678", "13700001111"
		old, err := db.Public.SubmitPublic(ctx, submission("村口的桥栏杆断了，孩子上学危险", phone))
		MustOK(t, err)
		clk.t = clk.t.Add(time.Hour)
		sub := submission("路灯坏了一个月没人修", phone)
		sub.NotifySMS = true
		newer, err := db.Public.SubmitPublic(ctx, sub)
		MustOK(t, err)
		_, err = db.Public.SubmitPublic(ctx, submission("别人反映的问题与此无关", other))
		MustOK(t, err)

		MustOK(t, db.Public.RequestLookup(ctx, "139 1234 5678", "10.0.0.1"))
		code := lastCode(t, db, phone)
		rows, clear, err := db.LookupRowsForTest(ctx, phone, code)
		MustOK(t, err)
		if rows != 1 || clear != 0 {
			t.Fatalf("stored %d rows, %d with the code in clear", rows, clear)
		}

		items, err := db.Public.VerifyLookup(ctx, phone, code)
		MustOK(t, err)
		if len(items) != 2 || items[0].Code != newer.Code || items[1].Code != old.Code ||
			items[0].State != sanlian.StateSubmitted || items[0].StateLabel == "" || items[0].CreatedAt.IsZero() {
			t.Fatalf("items %+v", items)
		}
		js, _ := json.Marshal(items)
		for _, secret := range []string{"路灯", "王大妈", "5678"} {
			if strings.Contains(string(js), secret) {
				t.Errorf("the lookup shows %q: %s", secret, js)
			}
		}

		t.Run("ErrReused", func(t *testing.T) {
			_, err := db.Public.VerifyLookup(ctx, phone, code)
			MustField(t, err, "code")
			if !strings.Contains(sanlian.ErrorMessage(err), "已经使用过") {
				t.Fatalf("reused: %v", err)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			clk.t = clk.t.Add(2 * time.Minute)
			MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"))
			code := lastCode(t, db, phone)
			clk.t = clk.t.Add(sanlian.LookupCodeTTL)
			_, err := db.Public.VerifyLookup(ctx, phone, code)
			MustField(t, err, "code")
			if !strings.Contains(sanlian.ErrorMessage(err), "已过期") {
				t.Fatalf("expired: %v", err)
			}
		})
		t.Run("NoProblemsSameAnswer", func(t *testing.T) {
			const stranger = "15800002222"
			MustOK(t, db.Public.RequestLookup(ctx, stranger, "10.0.0.2"))
			if codes, _ := db.LookupCodesSentForTest(ctx, stranger); len(codes) != 0 {
				t.Fatalf("an SMS went to a phone without problems: %v", codes)
			}
			// Its limits count as any phone's.
			MustCode(t, db.Public.RequestLookup(ctx, stranger, "10.0.0.2"), sanlian.ETOOMANY)
			// No code was sent: none can be verified, and a guess is wrong.
			_, err := db.Public.VerifyLookup(ctx, stranger, "123456")
			MustField(t, err, "code")
		})
		t.Run("ErrNoCodeAsked", func(t *testing.T) {
			_, err := db.Public.VerifyLookup(ctx, "15900003333", "123456")
			MustField(t, err, "code")
			if !strings.Contains(sanlian.ErrorMessage(err), "请先获取验证码") {
				t.Fatalf("no code: %v", err)
			}
		})
		t.Run("ErrBadPhone", func(t *testing.T) {
			for _, p := range []string{"0731-7221234", "1391234567", "139123456ab", "12912345678", ""} {
				MustField(t, db.Public.RequestLookup(ctx, p, "10.0.0.1"), "phone")
				_, err := db.Public.VerifyLookup(ctx, p, "123456")
				MustField(t, err, "phone")
			}
			for _, c := range []string{"12345", "abcdef", "1234567"} {
				_, err := db.Public.VerifyLookup(ctx, phone, c)
				MustField(t, err, "code")
			}
		})
	})
}

// TestLookup_WrongLock: five wrong codes lock the phone for 30 minutes,
// in which even the right code and a new code are refused.
func TestLookup_WrongLock(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := publicCtx()
		clk := &lookupClock{time.Date(2021, 5, 10, 9, 0, 0, 0, sanlian.Shanghai)}
		clk.pin(db)
		const phone = "13912345678"
		_, err := db.Public.SubmitPublic(ctx, submission("村口的桥栏杆断了，孩子上学危险", phone))
		MustOK(t, err)
		MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"))
		code := lastCode(t, db, phone)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i < sanlian.LookupMaxWrong; i++ {
			_, err := db.Public.VerifyLookup(ctx, phone, wrong)
			MustField(t, err, "code")
			if want := "还可以再试"; !strings.Contains(sanlian.ErrorMessage(err), want) {
				t.Fatalf("wrong %d: %v", i, err)
			}
		}
		_, err = db.Public.VerifyLookup(ctx, phone, wrong)
		MustCode(t, err, sanlian.ETOOMANY)
		clk.t = clk.t.Add(time.Minute)
		_, err = db.Public.VerifyLookup(ctx, phone, code)
		MustCode(t, err, sanlian.ETOOMANY)
		MustCode(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"), sanlian.ETOOMANY)
		clk.t = clk.t.Add(29 * time.Minute)
		MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"))
		items, err := db.Public.VerifyLookup(ctx, phone, lastCode(t, db, phone))
		MustOK(t, err)
		if len(items) != 1 {
			t.Fatalf("after the lock: %+v", items)
		}

		// Wrong codes a day apart start the count again.
		clk.t = clk.t.Add(time.Minute)
		MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"))
		for range sanlian.LookupMaxWrong - 1 {
			_, err := db.Public.VerifyLookup(ctx, phone, wrong)
			MustField(t, err, "code")
		}
		clk.t = clk.t.Add(sanlian.LookupWrongWindow)
		MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"))
		if code := lastCode(t, db, phone); code == wrong {
			wrong = "222222"
		}
		_, err = db.Public.VerifyLookup(ctx, phone, wrong)
		if !strings.Contains(sanlian.ErrorMessage(err), "还可以再试 4 次") {
			t.Fatalf("a day later: %v", err)
		}
		// Codes are forgotten after LookupKeep.
		clk.t = clk.t.Add(sanlian.LookupKeep + time.Minute)
		MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.0.1"))
		if rows, _, err := db.LookupRowsForTest(ctx, phone, "x"); err != nil || rows != 1 {
			t.Fatalf("rows kept: %d %v", rows, err)
		}
	})
}

// TestLookup_Limits: a code a minute and five a day per phone, ten an
// hour per client, and the county's daily total.
func TestLookup_Limits(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := publicCtx()
		clk := &lookupClock{time.Date(2021, 5, 10, 9, 0, 0, 0, sanlian.Shanghai)}
		clk.pin(db)
		const phone = "13912345678"
		_, err := db.Public.SubmitPublic(ctx, submission("村口的桥栏杆断了，孩子上学危险", phone))
		MustOK(t, err)
		t.Run("Phone", func(t *testing.T) {
			for i := range sanlian.LookupPerPhoneDay {
				MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.1.1"))
				clk.t = clk.t.Add(30 * time.Second)
				if i < sanlian.LookupPerPhoneDay-1 {
					MustCode(t, db.Public.RequestLookup(ctx, phone, "10.0.1.1"), sanlian.ETOOMANY) // within the minute
				}
				clk.t = clk.t.Add(31 * time.Second)
			}
			err := db.Public.RequestLookup(ctx, phone, "10.0.1.2")
			MustCode(t, err, sanlian.ETOOMANY)
			if !strings.Contains(sanlian.ErrorMessage(err), "明天") {
				t.Fatalf("sixth code: %v", err)
			}
			clk.t = time.Date(2021, 5, 11, 0, 1, 0, 0, sanlian.Shanghai)
			MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.1.1"))
		})
		t.Run("Client", func(t *testing.T) {
			for i := range sanlian.LookupPerClientHour {
				MustOK(t, db.Public.RequestLookup(ctx, "1500000000"+string(rune('0'+i)), "10.0.2.1"))
			}
			err := db.Public.RequestLookup(ctx, "15100000000", "10.0.2.1")
			MustCode(t, err, sanlian.ETOOMANY)
			MustOK(t, db.Public.RequestLookup(ctx, "15100000000", "10.0.2.2"))
			clk.t = clk.t.Add(time.Hour)
			MustOK(t, db.Public.RequestLookup(ctx, "15100000001", "10.0.2.1"))
		})
		t.Run("County", func(t *testing.T) {
			clk.t = time.Date(2021, 5, 12, 9, 0, 0, 0, sanlian.Shanghai)
			db.LookupPerDay = 1
			defer func() { db.LookupPerDay = 0 }()
			MustOK(t, db.Public.RequestLookup(ctx, phone, "10.0.3.1"))
			_, err := db.Public.SubmitPublic(ctx, submission("另一户的问题也要查询进度", "13600001111"))
			MustOK(t, err)
			err = db.Public.RequestLookup(ctx, "13600001111", "10.0.3.2")
			MustCode(t, err, sanlian.ETOOMANY)
			if !strings.Contains(sanlian.ErrorMessage(err), "已发完") {
				t.Fatalf("county limit: %v", err)
			}
		})
	})
}

// TestLookup_Unsubscribe: the link ends a problem's SMS messages for
// whoever knows the phone's last four digits, audited.
func TestLookup_Unsubscribe(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := publicCtx()
		clockAt(db, "2021-05-10 09:00")
		sub := submission("路灯坏了一个月没人修", "13912345678")
		sub.NotifySMS = true
		rc, err := db.Public.SubmitPublic(ctx, sub)
		MustOK(t, err)
		tr, err := db.Public.TrackPublic(ctx, rc.Code)
		MustOK(t, err)
		if !tr.NotifySMS {
			t.Fatalf("consent not kept: %+v", tr)
		}
		MustCode(t, db.Public.UnsubscribePublic(ctx, rc.Code, "0000"), sanlian.ENOTFOUND)
		MustCode(t, db.Public.UnsubscribePublic(ctx, "ABCDE-FGHJK", "5678"), sanlian.ENOTFOUND)
		MustField(t, db.Public.UnsubscribePublic(ctx, rc.Code, "56"), "phone_last4")
		MustOK(t, db.Public.UnsubscribePublic(ctx, rc.Code, "5678"))
		on, err := db.NotifySMSForTest(ctx, rc.ProblemID)
		MustOK(t, err)
		if on {
			t.Fatal("still subscribed")
		}
		MustCode(t, db.Public.UnsubscribePublic(ctx, rc.Code, "5678"), sanlian.ECONFLICT)
		audit, _, err := db.FindAudit(sqldbtest.As(users["office"]), sanlian.AuditFilter{Entity: "problem"})
		MustOK(t, err)
		found := false
		for _, a := range audit {
			found = found || a.Action == "sms_unsubscribe"
		}
		if !found {
			t.Error("unsubscribe not audited")
		}

		// Consent to SMS needs a mobile.
		bad := submission("固定电话不能接收短信告知", "0731-7221234")
		bad.NotifySMS = true
		_, err = db.Public.SubmitPublic(ctx, bad)
		MustField(t, err, "reporter_phone")
	})
}
