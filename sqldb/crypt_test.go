package sqldb_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"sanlian"
	"sanlian/seal"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// storedPersonal returns every stored value of the sealed columns, with
// the table and row, for checks that no whole phone or ID number is left.
func storedPersonal(tb testing.TB, raw *sql.DB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, c := range [][2]string{{"households", "id_number"}, {"households", "phone"}, {"cadres", "phone"},
		{"problems", "reporter_phone"}, {"problem_reporters", "phone"}} {
		rows, err := raw.Query(`SELECT id, ` + c[1] + ` FROM ` + c[0] + ` WHERE ` + c[1] + ` <> ''`)
		if err != nil {
			tb.Fatal(err)
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				tb.Fatal(err)
			}
			out[fmt.Sprintf("%s.%s#%d", c[0], c[1], id)] = v
		}
		rows.Close()
	}
	return out
}

// mustSealedUnder fails unless every stored value is sealed under key id.
func mustSealedUnder(tb testing.TB, raw *sql.DB, id string) {
	tb.Helper()
	vals := storedPersonal(tb, raw)
	if len(vals) < 10 {
		tb.Fatalf("only %d personal values stored", len(vals))
	}
	for where, v := range vals {
		if seal.KeyID(v) != id {
			tb.Fatalf("%s stored as %q, want sealed under %s", where, v, id)
		}
	}
}

// reopen opens db's database again with key k (nil: none), as a restart.
func reopen(t *testing.T, db *sqldb.DB, k *seal.Key) (*sqldb.DB, error) {
	t.Helper()
	other, err := sqldb.Open(context.Background(), db.DSN, sqldb.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	MustOK(t, other.Migrate(context.Background()))
	return other, other.UseKey(context.Background(), k, nil)
}

// TestCrypt_AtRest: the tests' databases are encrypted; nothing whole is
// stored, and the services still read, mask, reveal and deduplicate.
func TestCrypt_AtRest(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		newProblem(t, db, users["office"], "路灯不亮")
		_, err := db.Public.SubmitPublic(publicCtx(), submission("村口的桥栏杆断了", "13912345679"))
		MustOK(t, err)
		raw := MustRaw(t, db)
		mustSealedUnder(t, raw, db.Key().ID)
		for where, v := range storedPersonal(t, raw) {
			if strings.Contains(v, "1391234567") || strings.Contains(v, "430923") || strings.Contains(v, "1380000") {
				t.Errorf("%s stored whole: %q", where, v)
			}
		}
		h1 := smallHousehold(1)
		hs, _, err := db.Org.FindHouseholds(office, sanlian.HouseholdFilter{VillageCode: h1.VillageCode})
		MustOK(t, err)
		if len(hs) == 0 || hs[0].IDNumber != sanlian.MaskIDNumber(h1.IDNumber) || hs[0].Phone != sanlian.MaskPhone(h1.Phone) {
			t.Fatalf("household read as %+v", hs[0])
		}
		idn, phone, err := db.Org.RevealHousehold(office, 1)
		MustOK(t, err)
		if idn != h1.IDNumber || phone != h1.Phone {
			t.Errorf("reveal = %q %q", idn, phone)
		}
		// The unique ID number holds on the blind index.
		dup := *h1
		dup.ID, dup.HeadName = 0, "冒名"
		MustField(t, db.Org.CreateHousehold(office, &dup), "id_number")
		// The same text from the same phone merges, found by the blind index.
		rc, err := db.Public.SubmitPublic(publicCtx(), submission("村口的桥栏杆断了", "13912345679"))
		MustOK(t, err)
		if !rc.Merged {
			t.Errorf("same phone: not merged %+v", rc)
		}
	})
}

// TestCrypt_Upgrade: a database with clear personal data is encrypted in
// batches when it is first given a key, a kill in the middle is taken up
// on the next start, and the key is needed from then on.
func TestCrypt_Upgrade(t *testing.T) {
	for _, e := range sqldbtest.Engines() {
		t.Run(e, func(t *testing.T) {
			ctx := context.Background()
			db := sqldbtest.OpenPlain(t, e)
			users := sqldbtest.LoadSmall(t, db)
			newProblem(t, db, users["office"], "路灯不亮")
			raw := MustRaw(t, db)
			before := storedPersonal(t, raw)
			for where, v := range before {
				if seal.KeyID(v) != "" {
					t.Fatalf("%s sealed without a key: %q", where, v)
				}
			}
			if db.Encrypted() {
				t.Fatal("a database without a key says it is encrypted")
			}

			// The first start with a key is killed after its first batch.
			k := sqldbtest.NewKey(t)
			db.SetResealBatch(3)
			kctx, kill := context.WithCancel(ctx)
			var progress bytes.Buffer
			err := db.UseKey(kctx, k, writerFunc(func(p []byte) (int, error) { kill(); return progress.Write(p) }))
			if err == nil {
				t.Fatal("a killed encryption finished")
			}
			if !strings.Contains(progress.String(), "households：3/") {
				t.Errorf("progress: %q", progress.String())
			}
			sealed := 0
			for _, v := range storedPersonal(t, raw) {
				if seal.KeyID(v) == k.ID {
					sealed++
				}
			}
			if sealed == 0 || sealed == len(before) {
				t.Fatalf("%d of %d values sealed after the kill", sealed, len(before))
			}

			// Without the key the database refuses to start, clearly.
			_, err = reopen(t, db, nil)
			if err == nil || err.Error() != "数据库已加密，请用 --key-file 或 SANLIAN_KEY 提供密钥" {
				t.Fatalf("no key: %v", err)
			}
			_, err = reopen(t, db, sqldbtest.NewKey(t))
			if err == nil || !strings.Contains(err.Error(), "不是此数据库的密钥") {
				t.Fatalf("another database's key: %v", err)
			}
			// With it, the next start finishes the pass.
			db2, err := reopen(t, db, k)
			MustOK(t, err)
			mustSealedUnder(t, raw, k.ID)
			idn, phone, err := db2.Org.RevealHousehold(sqldbtest.As(users["office"]), 2)
			MustOK(t, err)
			if idn != smallHousehold(2).IDNumber || phone != smallHousehold(2).Phone {
				t.Errorf("reveal after upgrade = %q %q", idn, phone)
			}
			st, err := db2.CryptStatus(ctx)
			MustOK(t, err)
			if st.KeyID != k.ID || st.Pending != "" {
				t.Errorf("status %+v", st)
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestCrypt_Rotate: rotation re-encrypts every value and blind index,
// survives a kill, and retires the old key.
func TestCrypt_Rotate(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		office := sqldbtest.As(users["office"])
		_, err := db.Public.SubmitPublic(publicCtx(), submission("村里的水渠堵了", "13912345670"))
		MustOK(t, err)
		old, next := db.Key(), sqldbtest.NewKey(t)
		raw := MustRaw(t, db)

		if err := db.Rotate(ctx, old, old, nil); err == nil {
			t.Fatal("rotation to the same key accepted")
		}
		if err := db.Rotate(ctx, sqldbtest.NewKey(t), next, nil); err == nil || !strings.Contains(err.Error(), "旧密钥") {
			t.Fatalf("rotation from a wrong key: %v", err)
		}

		// Killed after the first batch.
		db.SetResealBatch(2)
		kctx, kill := context.WithCancel(ctx)
		err = db.Rotate(kctx, old, next, writerFunc(func(p []byte) (int, error) { kill(); return len(p), nil }))
		if err == nil {
			t.Fatal("a killed rotation finished")
		}
		for _, k := range []*seal.Key{old, next} {
			if _, err := reopen(t, db, k); !errors.Is(err, seal.ErrRotating) {
				t.Errorf("start with %s during a rotation: %v", k.ID, err)
			}
		}
		if err := db.Rotate(ctx, old, sqldbtest.NewKey(t), nil); err == nil || !strings.Contains(err.Error(), "同一把新密钥") {
			t.Errorf("a rotation to a third key during one: %v", err)
		}
		var progress bytes.Buffer
		MustOK(t, db.Rotate(ctx, old, next, &progress))
		if !strings.Contains(progress.String(), "households") {
			t.Errorf("progress %q", progress.String())
		}
		mustSealedUnder(t, raw, next.ID)

		if _, err := reopen(t, db, old); err == nil || !strings.Contains(err.Error(), "已在轮换后停用") {
			t.Fatalf("old key after rotation: %v", err)
		}
		db2, err := reopen(t, db, next)
		MustOK(t, err)
		idn, _, err := db2.Org.RevealHousehold(office, 3)
		MustOK(t, err)
		if idn != smallHousehold(3).IDNumber {
			t.Errorf("reveal after rotation = %q", idn)
		}
		// Blind indexes moved too: the duplicate checks still hold.
		dup := *smallHousehold(3)
		dup.ID = 0
		MustField(t, db2.Org.CreateHousehold(office, &dup), "id_number")
		rc, err := db2.Public.SubmitPublic(publicCtx(), submission("村里的水渠堵了", "13912345670"))
		MustOK(t, err)
		if !rc.Merged {
			t.Error("public repeat not found after rotation")
		}
	})
}

// TestCrypt_Tampered: a changed ciphertext, or one moved to another
// column, is an error naming the row, never garbage.
func TestCrypt_Tampered(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		raw := MustRaw(t, db)
		var phone, idn string
		if err := raw.QueryRow(`SELECT phone, id_number FROM households WHERE id = 4`).Scan(&phone, &idn); err != nil {
			t.Fatal(err)
		}
		flipped := []byte(phone)
		i := len(flipped) - 5
		if flipped[i] == 'A' {
			flipped[i] = 'B'
		} else {
			flipped[i] = 'A'
		}
		for _, tt := range []struct{ name, col, v, want string }{
			{"ErrFlipped", "phone", string(flipped), "households 表第 4 行的 phone 无法解密"},
			{"ErrMoved", "phone", idn, "households 表第 4 行的 phone 无法解密"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := raw.Exec(`UPDATE households SET ` + tt.col + ` = '` + tt.v + `' WHERE id = 4`); err != nil {
					t.Fatal(err)
				}
				_, _, err := db.Org.RevealHousehold(office, 4)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("reveal: %v", err)
				}
				_, err = db.Org.FindHouseholdByID(office, 4)
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("find: %v", err)
				}
			})
		}
	})
}

// A second factor's secret is stored sealed, and still opens for the code
// check.
func TestCrypt_TOTPSecret(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := sqldbtest.As(users["office"])
		enrol, err := db.Accounts.BeginTOTP(ctx, "测试县")
		MustOK(t, err)
		var stored string
		if err := MustRaw(t, db).QueryRow(`SELECT totp_secret FROM users WHERE username = 'office'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(stored, enrol.Secret) {
			t.Errorf("stored secret %q", stored)
		}
		again, err := db.Accounts.BeginTOTP(ctx, "测试县")
		MustOK(t, err)
		if again.Secret != enrol.Secret {
			t.Errorf("the secret read back %q, want %q", again.Secret, enrol.Secret)
		}
	})
}
