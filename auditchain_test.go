package sanlian_test

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"sanlian"
)

func auditRows(n int) []sanlian.AuditRow {
	at := time.Date(2026, 12, 7, 2, 3, 4, 123456000, time.UTC)
	rows := make([]sanlian.AuditRow, n)
	for i := range rows {
		actor := int64(7)
		rows[i] = sanlian.AuditRow{ID: int64(i + 1), At: at.Add(time.Duration(i) * time.Second), ActorID: &actor, Actor: "office",
			Action: "update", Entity: "problem", EntityID: string(rune('0' + i)), Changes: `{"title":["a","b"]}`, IP: "10.0.0.1"}
	}
	rows[0].ActorID = nil
	rows[0].Actor = "system"
	return rows
}

func TestAuditCanonical(t *testing.T) {
	row := auditRows(1)[0]
	t.Run("KnownAnswer", func(t *testing.T) {
		// Freezes the encoding: a change here breaks every sealed chain.
		got := hex.EncodeToString(sanlian.AuditRowHash(sanlian.AuditGenesis, row))
		if got != auditKnownHash {
			t.Fatalf("hash = %s, want %s", got, auditKnownHash)
		}
	})
	t.Run("RequestID", func(t *testing.T) {
		// A row without a request id keeps the v1 encoding, so the chains
		// sealed before the column existed still verify; a row with one
		// hashes under the v2 tag, so blanking it is seen.
		if !bytes.HasPrefix(sanlian.AuditCanonical(row)[4:], []byte("sanlian.audit_log.v1")) {
			t.Fatal("a row without a request id is not encoded as v1")
		}
		r := row
		r.RequestID = "req-1"
		enc := sanlian.AuditCanonical(r)
		if !bytes.HasPrefix(enc[4:], []byte("sanlian.audit_log.v2")) || !bytes.HasSuffix(enc, []byte("req-1")) {
			t.Fatalf("a row with a request id encodes as %q", enc)
		}
		links := sanlian.AuditSeal(0, sanlian.AuditGenesis, []sanlian.AuditRow{r}, row.At)
		r.RequestID = ""
		if f := sanlian.VerifyChain([]sanlian.AuditRow{r}, links); f == nil || f.Kind != sanlian.ChainChanged {
			t.Fatalf("a blanked request id verifies: %v", f)
		}
	})
	t.Run("SameInstantAnyZone", func(t *testing.T) {
		r := row
		r.At = row.At.In(time.FixedZone("CST", 8*3600))
		if !bytes.Equal(sanlian.AuditCanonical(r), sanlian.AuditCanonical(row)) {
			t.Fatal("the same instant in another zone encodes differently")
		}
	})
	t.Run("Unambiguous", func(t *testing.T) {
		zero := int64(0)
		pairs := []struct {
			name string
			a, b func(*sanlian.AuditRow)
		}{
			{"field boundary", func(r *sanlian.AuditRow) { r.Actor, r.Action = "ab", "c" }, func(r *sanlian.AuditRow) { r.Actor, r.Action = "a", "bc" }},
			{"NULL actor vs 0", func(r *sanlian.AuditRow) { r.ActorID = nil }, func(r *sanlian.AuditRow) { r.ActorID = &zero }},
			{"microsecond", func(r *sanlian.AuditRow) {}, func(r *sanlian.AuditRow) { r.At = r.At.Add(time.Microsecond) }},
			{"nanosecond", func(r *sanlian.AuditRow) {}, func(r *sanlian.AuditRow) { r.At = r.At.Add(time.Nanosecond) }},
			{"empty vs absent ip", func(r *sanlian.AuditRow) { r.IP, r.Changes = "", "x" }, func(r *sanlian.AuditRow) { r.IP, r.Changes = "x", "" }},
			{"ip vs request id", func(r *sanlian.AuditRow) { r.IP, r.RequestID = "a", "b" }, func(r *sanlian.AuditRow) { r.IP, r.RequestID = "ab", "" }},
			{"request id moved", func(r *sanlian.AuditRow) { r.IP, r.RequestID = "ab", "c" }, func(r *sanlian.AuditRow) { r.IP, r.RequestID = "a", "bc" }},
		}
		for _, p := range pairs {
			a, b := row, row
			p.a(&a)
			p.b(&b)
			if bytes.Equal(sanlian.AuditCanonical(a), sanlian.AuditCanonical(b)) {
				t.Errorf("%s: two different rows encode alike", p.name)
			}
		}
	})
	t.Run("EveryColumnCounts", func(t *testing.T) {
		other := int64(8)
		for name, change := range map[string]func(*sanlian.AuditRow){
			"id": func(r *sanlian.AuditRow) { r.ID++ }, "at": func(r *sanlian.AuditRow) { r.At = r.At.Add(time.Second) },
			"actor_id": func(r *sanlian.AuditRow) { r.ActorID = &other }, "actor": func(r *sanlian.AuditRow) { r.Actor += "x" },
			"action": func(r *sanlian.AuditRow) { r.Action += "x" }, "entity": func(r *sanlian.AuditRow) { r.Entity += "x" },
			"entity_id": func(r *sanlian.AuditRow) { r.EntityID += "x" }, "changes": func(r *sanlian.AuditRow) { r.Changes += "x" },
			"ip": func(r *sanlian.AuditRow) { r.IP += "x" }, "request_id": func(r *sanlian.AuditRow) { r.RequestID += "x" },
		} {
			r := row
			change(&r)
			if bytes.Equal(sanlian.AuditCanonical(r), sanlian.AuditCanonical(row)) {
				t.Errorf("a change of %s does not change the encoding", name)
			}
		}
		if len(sanlian.AuditColumns) != 10 {
			t.Errorf("AuditColumns has %d columns, the test covers 10", len(sanlian.AuditColumns))
		}
	})
}

const auditKnownHash = "a4d37d406729917acf16365e3f9eb0c9c3ec943f3465d97c4f0fe654410914cc"

func TestVerifyChain(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	fresh := func() ([]sanlian.AuditRow, []sanlian.AuditLink) {
		rows := auditRows(6)
		return rows, sanlian.AuditSeal(0, sanlian.AuditGenesis, rows, at)
	}
	for _, tc := range []struct {
		name    string
		tamper  func(rows []sanlian.AuditRow, links []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink)
		kind    string
		seq     int64
		auditID int64
		reason  string
	}{
		{"Clean", nil, "", 0, 0, ""},
		{"Empty", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			return nil, nil
		}, "", 0, 0, ""},
		{"UnsealedRowsIgnored", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			return r, l[:3]
		}, "", 0, 0, ""},
		{"ChangedField", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			r[2].Changes = `{"title":["a","c"]}`
			return r, l
		}, sanlian.ChainChanged, 3, 3, "审计记录 #3（第 3 号链节）的内容与封存时不符"},
		{"ChangedTime", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			r[4].At = r[4].At.Add(-time.Hour)
			return r, l
		}, sanlian.ChainChanged, 5, 5, "有字段被改动"},
		{"ActorNulled", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			r[1].ActorID = nil
			return r, l
		}, sanlian.ChainChanged, 2, 2, "#2"},
		{"DeletedRow", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			return append(r[:3:3], r[4:]...), l
		}, sanlian.ChainDeleted, 4, 4, "审计记录 #4 已被删除"},
		{"DeletedRowAndLink", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			return append(r[:3:3], r[4:]...), append(l[:3:3], l[4:]...)
		}, sanlian.ChainGap, 4, 0, "第 4 号链节缺失"},
		{"DeletedTwoLinks", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			return r, append(l[:1:1], l[3:]...)
		}, sanlian.ChainGap, 2, 0, "第 2 至 3 号链节缺失"},
		{"DeletedFirstLink", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			return r, l[1:]
		}, sanlian.ChainGap, 1, 0, "第 1 号链节缺失"},
		{"SwappedContents", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			a, b := r[1], r[3]
			r[1], r[3] = b, a
			r[1].ID, r[3].ID = 2, 4
			return r, l
		}, sanlian.ChainMoved, 2, 2, "封存时的内容现在在 #4 中"},
		{"SwappedLinks", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			l[1].AuditID, l[3].AuditID = l[3].AuditID, l[1].AuditID
			return r, l
		}, sanlian.ChainMoved, 2, 4, "封存的是审计记录 #2，现在却指向 #4"},
		{"BrokenPrev", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			l[3].Prev = bytes.Repeat([]byte{1}, 32)
			return r, l
		}, sanlian.ChainPrev, 4, 4, "前一哈希与第 3 号链节不符"},
		{"FirstPrevNotZero", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			l[0].Prev = bytes.Repeat([]byte{1}, 32)
			return r, l
		}, sanlian.ChainPrev, 1, 1, "第 1 号链节"},
		{"ForgedHashOnly", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			r[2].Actor = "nobody"
			l[2].Hash = sanlian.AuditRowHash(l[2].Prev, r[2]) // the next link's prev no longer follows
			return r, l
		}, sanlian.ChainPrev, 4, 4, "链被改接"},
		{"TailRewritten", func(r []sanlian.AuditRow, l []sanlian.AuditLink) ([]sanlian.AuditRow, []sanlian.AuditLink) {
			r[3].Actor = "nobody" // passes: only anchors catch a recomputed tail
			return r, append(l[:3:3], sanlian.AuditSeal(3, l[2].Hash, r[3:], at)...)
		}, "", 0, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, links := fresh()
			if tc.tamper != nil {
				rows, links = tc.tamper(rows, links)
			}
			f := sanlian.VerifyChain(rows, links)
			if tc.kind == "" {
				if f != nil {
					t.Fatalf("failure %+v, want none", f)
				}
				return
			}
			if f == nil {
				t.Fatal("no failure found")
			}
			if f.Kind != tc.kind || f.Seq != tc.seq || f.AuditID != tc.auditID || !strings.Contains(f.Reason, tc.reason) {
				t.Fatalf("failure %+v, want kind %s seq %d audit %d reason with %q", f, tc.kind, tc.seq, tc.auditID, tc.reason)
			}
		})
	}
}

func TestCheckAnchor(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	rows := auditRows(5)
	links := sanlian.AuditSeal(0, sanlian.AuditGenesis, rows, at)
	anchor := sanlian.AuditAnchor{Seq: 4, Hash: hex.EncodeToString(links[3].Hash), At: at, DB: "test"}
	if f := sanlian.CheckAnchor(anchor, &links[3]); f != nil {
		t.Fatalf("clean chain: %v", f)
	}
	if f := sanlian.CheckAnchor(sanlian.AuditAnchor{At: at}, nil); f != nil {
		t.Fatalf("empty chain anchor: %v", f)
	}
	rows[2].Actor = "nobody"
	rewritten := append(links[:2:2], sanlian.AuditSeal(2, links[1].Hash, rows[2:], at)...)
	if f := sanlian.VerifyChain(rows, rewritten); f != nil {
		t.Fatalf("the rewritten chain should verify on its own: %v", f)
	}
	if f := sanlian.CheckAnchor(anchor, &rewritten[3]); f == nil || f.Kind != sanlian.ChainAnchor || !strings.Contains(f.Reason, "被整体重写") {
		t.Fatalf("rewritten tail: %+v", f)
	}
	if f := sanlian.CheckAnchor(anchor, nil); f == nil || !strings.Contains(f.Reason, "链尾被截断") {
		t.Fatalf("truncated tail: %+v", f)
	}
}

func TestParseAnchors(t *testing.T) {
	good := `{"seq":3,"hash":"` + strings.Repeat("ab", 32) + `","at":"2026-12-07T03:00:00Z","db":"x"}` + "\n\n" +
		`{"seq":0,"hash":"","at":"2026-12-06T03:00:00Z","db":"x"}` + "\n"
	as, err := sanlian.ParseAnchors(strings.NewReader(good), "a.jsonl")
	if err != nil || len(as) != 2 || as[0].Seq != 3 {
		t.Fatalf("anchors %+v, %v", as, err)
	}
	for name, bad := range map[string]string{
		"not JSON":   "{\"seq\":3,\n",
		"short hash": `{"seq":3,"hash":"abcd","at":"2026-12-07T03:00:00Z"}`,
		"bad hex":    `{"seq":3,"hash":"` + strings.Repeat("zz", 32) + `"}`,
		"negative":   `{"seq":-1,"hash":""}`,
	} {
		_, err := sanlian.ParseAnchors(strings.NewReader(bad), "a.jsonl")
		if sanlian.ErrorCode(err) != sanlian.EINVALID || !strings.Contains(sanlian.ErrorMessage(err), "a.jsonl 第 1 行") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
