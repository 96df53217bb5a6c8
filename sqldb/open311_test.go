package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

func TestOpen311Service_APIKeys(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])

		t.Run("IssueListVerify", func(t *testing.T) {
			before := auditRows(t, raw)
			k, err := db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: " 12345热线 ", Source: sanlian.SourceHotline})
			MustOK(t, err)
			if !strings.HasPrefix(k.Secret, sanlian.APIKeyPrefix) || len(k.Secret) < 30 {
				t.Fatalf("secret %q", k.Secret)
			}
			if k.Key.Name != "12345热线" || k.Key.Source != "hotline" || !strings.HasPrefix(k.Secret, k.Key.Prefix) || k.Key.Revoked() {
				t.Fatalf("key %+v", k.Key)
			}
			if auditRows(t, raw) != before+1 {
				t.Fatalf("issuing left %d audit rows", auditRows(t, raw)-before)
			}
			e := MustLastAudit(t, db, users)
			if e.Action != "create" || e.Entity != "api_key" || strings.Contains(e.Changes, k.Secret) {
				t.Fatalf("audit %+v", e)
			}
			got, err := db.Public.VerifyAPIKey(context.Background(), k.Secret)
			MustOK(t, err)
			if got.ID != k.Key.ID || got.Source != "hotline" {
				t.Fatalf("verified %+v", got)
			}
			keys, err := db.Public.FindAPIKeys(office)
			MustOK(t, err)
			if len(keys) != 1 || keys[0].ID != k.Key.ID || keys[0].CreatorName != "office" {
				t.Fatalf("keys %+v", keys)
			}
		})

		t.Run("HashOnly", func(t *testing.T) {
			k, err := db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: "市级平台", Source: sanlian.SourceOther})
			MustOK(t, err)
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM api_keys WHERE key_hash = '"+k.Secret+"' OR name = '"+k.Secret+"' OR prefix = '"+k.Secret+"'"); n != 0 {
				t.Fatalf("the key is stored as it is")
			}
			var hash string
			if err := raw.QueryRow("SELECT key_hash FROM api_keys WHERE id = " + itoa(k.Key.ID)).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if len(hash) != 64 || strings.Contains(k.Secret, hash) {
				t.Fatalf("stored %q", hash)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM audit_log WHERE changes LIKE '%"+k.Secret+"%'"); n != 0 {
				t.Fatalf("the key is in the audit log")
			}
		})

		t.Run("Revoke", func(t *testing.T) {
			k, err := db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: "微信平台", Source: sanlian.SourceWechat})
			MustOK(t, err)
			before := auditRows(t, raw)
			r, err := db.Public.RevokeAPIKey(office, k.Key.ID)
			MustOK(t, err)
			if !r.Revoked() || r.RevokedBy != users["office"].ID {
				t.Fatalf("revoked %+v", r)
			}
			if auditRows(t, raw) != before+1 || MustLastAudit(t, db, users).Action != "revoke" {
				t.Fatalf("revoking not audited")
			}
			_, err = db.Public.VerifyAPIKey(context.Background(), k.Secret)
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Public.RevokeAPIKey(office, k.Key.ID)
			MustCode(t, err, sanlian.ECONFLICT)
			_, err = db.Public.RevokeAPIKey(office, 9999)
			MustCode(t, err, sanlian.ENOTFOUND)
		})

		t.Run("ErrBadKey", func(t *testing.T) {
			for _, s := range []string{"", "nonsense", sanlian.APIKeyPrefix + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", strings.Repeat("x", 500)} {
				_, err := db.Public.VerifyAPIKey(context.Background(), s)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
		})

		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: "", Source: "visit"})
			MustField(t, err, "name")
			MustField(t, err, "source")
			_, err = db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: strings.Repeat("长", 41), Source: "other"})
			MustField(t, err, "name")
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			for _, name := range []string{"leader", "unitadmin", "cadre", "sysadmin", "auditor"} {
				ctx := sqldbtest.As(users[name])
				_, err := db.Public.CreateAPIKey(ctx, &sanlian.APIKeyInput{Name: "x", Source: "other"})
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Public.FindAPIKeys(ctx)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Public.RevokeAPIKey(ctx, 1)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			_, err := db.Public.FindAPIKeys(sanlian.NewPublicContext(context.Background()))
			MustCode(t, err, sanlian.EFORBIDDEN)
			_, err = db.Public.FindAPIKeys(context.Background())
			MustCode(t, err, sanlian.EUNAUTHORIZED)
		})
	})
}

func TestOpen311Service_Village(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		for _, c := range []struct{ id, text, want string }{
			{sqldbtest.VillageC, "", sqldbtest.VillageC},
			{sqldbtest.VillageC, "东坪镇黄沙坪村", sqldbtest.VillageC}, // address_id wins
			{"", "东坪镇 黄沙坪村 3组", sqldbtest.VillageA},
			{"", "安化县梅城镇苍场村", sqldbtest.VillageD},
			{"", "酉州村", sqldbtest.VillageB},
		} {
			r, err := db.Public.Open311Village(ctx, c.id, c.text)
			MustOK(t, err)
			if r.Code != c.want {
				t.Errorf("%q/%q: %s, want %s", c.id, c.text, r.Code, c.want)
			}
		}
		for _, c := range []struct{ id, text string }{
			{sqldbtest.Dongping, ""},          // a township, not a village
			{"110101001001", ""},              // not ours
			{"<script>alert(1)</script>", ""}, // not a code
			{"", "北京市朝阳区"},
			{"", ""},
		} {
			_, err := db.Public.Open311Village(ctx, c.id, c.text)
			MustCode(t, err, sanlian.EINVALID)
		}
		code, err := db.Public.Open311Jurisdiction(ctx)
		MustOK(t, err)
		if code != sqldbtest.County {
			t.Fatalf("jurisdiction %q", code)
		}
	})
}

func TestOpen311Service_Requests(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		office := sqldbtest.As(users["office"])
		ctx := context.Background()
		key, err := db.Public.CreateAPIKey(office, &sanlian.APIKeyInput{Name: "12345热线", Source: sanlian.SourceHotline})
		MustOK(t, err)

		clockAt(db, "2021-05-10 09:00")
		p1 := newProblem(t, db, users["cadre"], "村口路灯坏了，电话13912345678")
		clockAt(db, "2021-05-11 09:00")
		p2 := newProblem(t, db, users["cadre"], "<script>alert(1)</script>道路积水")
		p2 = act(t, db, users["office"], p2, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1})
		clockAt(db, "2021-05-12 09:00")
		p3 := newProblem(t, db, users["cadre"], "重复反映路灯")
		act(t, db, users["office"], p3, sanlian.ActionMerge, sanlian.ActionRequest{Into: p1.ID})
		p4 := newProblem(t, db, users["cadre"], "不属于本县事项")
		act(t, db, users["office"], p4, sanlian.ActionReject, sanlian.ActionRequest{Reason: "属市级事权，已告知 13800001111"})
		if _, err := raw.Exec("UPDATE problems SET tracking_code = 'K7QX2M9DPR' WHERE id = " + itoa(p1.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec("UPDATE problems SET tracking_code = 'ABCDE23456' WHERE id = " + itoa(p3.ID)); err != nil {
			t.Fatal(err)
		}

		lat, long := 28.38, 111.22
		p1, err = db.Problems.FindProblemByID(office, p1.ID) // merging p3 into it moved its version
		MustOK(t, err)
		before := auditRows(t, raw)
		MustOK(t, db.Public.RecordOpen311(sanlian.NewPublicContext(ctx), p1.ID, &sanlian.Open311Extra{KeyID: key.Key.ID, Lat: &lat, Long: &long,
			AddressString: "东坪镇黄沙坪村", MediaURL: "https://example.org/a.jpg", Urgency: sanlian.UrgencyUrgent}))
		if auditRows(t, raw) != before+1 {
			t.Fatalf("recording not audited")
		}
		if p, err := db.Problems.FindProblemByID(office, p1.ID); err != nil || p.Urgency != sanlian.UrgencyUrgent || p.Version != p1.Version+1 {
			t.Fatalf("urgency not set: %+v %v", p, err)
		}

		clockAt(db, "2021-05-20 09:00")
		all, err := db.Public.FindOpen311Requests(ctx, sanlian.Open311Filter{})
		MustOK(t, err)
		if len(all) != 3 || all[0].ID != p4.ID || all[1].ID != p2.ID || all[2].ID != p1.ID {
			t.Fatalf("requests %d", len(all))
		}
		r1, r2, r4 := all[2], all[1], all[0]
		if r1.Status != "open" || r1.ServiceCode != "transport" || r1.ServiceName != "交通出行" || r1.AddressID != sqldbtest.VillageA ||
			r1.Address != "东坪镇黄沙坪村" || r1.Lat == nil || *r1.Lat != lat || r1.MediaURL != "https://example.org/a.jpg" {
			t.Fatalf("r1 %+v", r1)
		}
		if strings.Contains(r1.Description, "13912345678") {
			t.Fatalf("description not anonymised: %q", r1.Description)
		}
		if r2.AgencyResponsible != "县民政局" || r2.ExpectedAt.IsZero() || !strings.Contains(r2.Description, "<script>") || r2.Lat != nil {
			t.Fatalf("r2 %+v", r2)
		}
		if r4.Status != "closed" || !strings.HasPrefix(r4.StatusNotes, "不予受理：") || strings.Contains(r4.StatusNotes, "13800001111") {
			t.Fatalf("r4 %+v", r4)
		}

		t.Run("Filters", func(t *testing.T) {
			for _, c := range []struct {
				f    sanlian.Open311Filter
				want int
			}{
				{sanlian.Open311Filter{Statuses: []string{"open"}}, 2},
				{sanlian.Open311Filter{Statuses: []string{"closed"}}, 1},
				{sanlian.Open311Filter{Statuses: []string{"open", "closed"}}, 3},
				{sanlian.Open311Filter{ServiceCodes: []string{"transport"}}, 3},
				{sanlian.Open311Filter{ServiceCodes: []string{"education"}}, 0},
				{sanlian.Open311Filter{Start: shanghai("2021-05-11 00:00")}, 2},
				{sanlian.Open311Filter{Start: shanghai("2021-05-10 00:00"), End: shanghai("2021-05-11 00:00")}, 1},
				{sanlian.Open311Filter{Start: shanghai("2021-01-01 00:00"), End: shanghai("2021-02-01 00:00")}, 0},
				{sanlian.Open311Filter{IDs: []int64{p1.ID, p3.ID, 9999}, Statuses: []string{"closed"}}, 1}, // ids ignore the rest; merged never
				{sanlian.Open311Filter{Limit: 1}, 1},
			} {
				got, err := db.Public.FindOpen311Requests(ctx, c.f)
				MustOK(t, err)
				if len(got) != c.want {
					t.Errorf("%+v: %d, want %d", c.f, len(got), c.want)
				}
			}
			// Older than 90 days by default.
			clockAt(db, "2021-09-01 09:00")
			got, err := db.Public.FindOpen311Requests(ctx, sanlian.Open311Filter{})
			MustOK(t, err)
			if len(got) != 0 {
				t.Errorf("default window: %d", len(got))
			}
			clockAt(db, "2021-05-20 09:00")
		})

		t.Run("ErrFilter", func(t *testing.T) {
			_, err := db.Public.FindOpen311Requests(ctx, sanlian.Open311Filter{Statuses: []string{"pending"}})
			MustCode(t, err, sanlian.EINVALID)
			_, err = db.Public.FindOpen311Requests(ctx, sanlian.Open311Filter{Start: shanghai("2021-05-11 00:00"), End: shanghai("2021-05-10 00:00")})
			MustCode(t, err, sanlian.EINVALID)
		})

		t.Run("Token", func(t *testing.T) {
			id, err := db.Public.Open311RequestByToken(ctx, "k7qx2-m9dpr")
			MustOK(t, err)
			if id != p1.ID {
				t.Fatalf("token: %d", id)
			}
			id, err = db.Public.Open311RequestByToken(ctx, "ABCDE-23456") // merged into p1
			MustOK(t, err)
			if id != p1.ID {
				t.Fatalf("merged token: %d", id)
			}
			for _, tok := range []string{"", "ZZZZZ-ZZZZZ", "<b>x</b>"} {
				_, err := db.Public.Open311RequestByToken(ctx, tok)
				MustCode(t, err, sanlian.ENOTFOUND)
			}
		})

		t.Run("ErrRecord", func(t *testing.T) {
			far := 39.9
			err := db.Public.RecordOpen311(ctx, p2.ID, &sanlian.Open311Extra{KeyID: key.Key.ID, Lat: &far, Long: &long})
			MustField(t, err, "lat")
			err = db.Public.RecordOpen311(ctx, p2.ID, &sanlian.Open311Extra{KeyID: key.Key.ID, Lat: &lat})
			MustField(t, err, "lat")
			err = db.Public.RecordOpen311(ctx, p2.ID, &sanlian.Open311Extra{KeyID: key.Key.ID, Urgency: "asap"})
			MustField(t, err, "urgency")
			err = db.Public.RecordOpen311(ctx, 9999, &sanlian.Open311Extra{KeyID: key.Key.ID})
			MustCode(t, err, sanlian.ENOTFOUND)
		})

		keys, err := db.Public.FindAPIKeys(office)
		MustOK(t, err)
		if keys[0].Requests != 1 {
			t.Fatalf("key counts %d requests", keys[0].Requests)
		}
	})
}
