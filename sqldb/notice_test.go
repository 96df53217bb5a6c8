package sqldb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// noticesOf lists a user's notices, newest first.
func noticesOf(t *testing.T, db *sqldb.DB, u *sanlian.User, kind string) []*sanlian.Notice {
	t.Helper()
	out, _, err := db.Notices.FindNotices(sqldbtest.As(u), sanlian.NoticeFilter{Kind: kind, Limit: 500})
	MustOK(t, err)
	return out
}

func unread(t *testing.T, db *sqldb.DB, u *sanlian.User) int {
	t.Helper()
	n, err := db.Notices.CountUnread(sqldbtest.As(u))
	MustOK(t, err)
	return n
}

// TestNoticeService_Assign: an assignment tells the unit's admin and the
// responsible person, not the office that assigned nor anyone else; each
// reads and marks only their own notices.
func TestNoticeService_Assign(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "村道路灯损坏")
		for name, want := range map[string]int{"unitadmin": 1, "cadre": 1, "office": 0, "leader": 0, "cadre5": 0, "sysadmin": 0} {
			got := noticesOf(t, db, users[name], sanlian.NoticeAssigned)
			if len(got) != want {
				t.Fatalf("%s: %d assigned notices, want %d", name, len(got), want)
			}
			if want == 1 {
				n := got[0]
				if n.TargetKind != sanlian.TargetProblem || n.TargetID != p.ID || n.Link != "/problems/"+strconv.FormatInt(p.ID, 10) ||
					!strings.Contains(n.Title, p.Number) || !strings.Contains(n.Body, "2021-05-31") || !n.Unread() {
					t.Fatalf("%s: notice %+v", name, n)
				}
			}
			if u := unread(t, db, users[name]); u != want {
				t.Fatalf("%s: unread %d, want %d", name, u, want)
			}
		}
		mine := noticesOf(t, db, users["cadre"], "")[0]

		t.Run("ErrAnotherUsersNotice", func(t *testing.T) {
			_, err := db.Notices.MarkNoticeRead(sqldbtest.As(users["unitadmin"]), mine.ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			if unread(t, db, users["cadre"]) != 1 {
				t.Fatal("another user's attempt marked the notice read")
			}
		})
		t.Run("ErrUnknownKind", func(t *testing.T) {
			_, _, err := db.Notices.FindNotices(sqldbtest.As(users["cadre"]), sanlian.NoticeFilter{Kind: "spam"})
			MustCode(t, err, sanlian.EINVALID)
		})
		t.Run("ReadOne", func(t *testing.T) {
			raw := MustRaw(t, db)
			before := auditRows(t, raw)
			n, err := db.Notices.MarkNoticeRead(sqldbtest.As(users["cadre"]), mine.ID)
			MustOK(t, err)
			if n.Unread() || unread(t, db, users["cadre"]) != 0 {
				t.Fatalf("after reading: %+v, unread %d", n, unread(t, db, users["cadre"]))
			}
			if auditRows(t, raw) != before+1 {
				t.Fatal("reading a notice left no audit row")
			}
			// Again: nothing changes, nothing is written.
			_, err = db.Notices.MarkNoticeRead(sqldbtest.As(users["cadre"]), mine.ID)
			MustOK(t, err)
			if auditRows(t, raw) != before+1 {
				t.Fatal("reading a read notice was audited again")
			}
			if unread(t, db, users["unitadmin"]) != 1 {
				t.Fatal("one user's reading changed another's count")
			}
		})
		t.Run("ReadAll", func(t *testing.T) {
			// A transfer back and a fresh assignment give the unit admin a
			// second notice.
			cur, err := db.Problems.FindProblemByID(sqldbtest.As(users["office"]), p.ID)
			MustOK(t, err)
			cur = act(t, db, users["office"], cur, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 3, Reason: "属地管理"})
			if got := noticesOf(t, db, users["unitadmin"], ""); len(got) != 1 {
				t.Fatalf("a transfer to unit 3 told unit 1's admin: %d notices", len(got))
			}
			act(t, db, users["office"], cur, sanlian.ActionTransfer, sanlian.ActionRequest{UnitID: 1, Reason: "职责调整"})
			if u := unread(t, db, users["unitadmin"]); u != 2 {
				t.Fatalf("unit admin unread %d, want 2", u)
			}
			n, err := db.Notices.MarkAllNoticesRead(sqldbtest.As(users["unitadmin"]))
			MustOK(t, err)
			if n != 2 || unread(t, db, users["unitadmin"]) != 0 {
				t.Fatalf("read all: %d, unread now %d", n, unread(t, db, users["unitadmin"]))
			}
			if n, _ := db.Notices.MarkAllNoticesRead(sqldbtest.As(users["unitadmin"])); n != 0 {
				t.Fatalf("read all twice: %d", n)
			}
		})
		t.Run("Paged", func(t *testing.T) {
			all := noticesOf(t, db, users["unitadmin"], "")
			first, next, err := db.Notices.FindNotices(sqldbtest.As(users["unitadmin"]), sanlian.NoticeFilter{Limit: 1})
			MustOK(t, err)
			if len(first) != 1 || next == "" || first[0].ID != all[0].ID {
				t.Fatalf("first page %v next %q", first, next)
			}
			second, _, err := db.Notices.FindNotices(sqldbtest.As(users["unitadmin"]), sanlian.NoticeFilter{Limit: 1, Cursor: next})
			MustOK(t, err)
			if len(second) != 1 || second[0].ID >= first[0].ID {
				t.Fatalf("second page %v", second)
			}
		})
	})
}

// TestNoticeService_Supervision: a yellow card, its turning red and an
// issued notice tell the unit's admin, the responsible person and the
// township's county leader; an issued notice asks the unit's admin for
// the reply.
func TestNoticeService_Supervision(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		acceptedProblem(t, db, users, "河堤护栏缺损")
		runDay(t, db, "2021-06-01") // yellow
		for _, name := range []string{"unitadmin", "cadre", "leader"} {
			got := noticesOf(t, db, users[name], sanlian.NoticeSupervision)
			if len(got) != 1 || !strings.HasPrefix(got[0].Title, "黄牌督办：") || !strings.HasPrefix(got[0].Link, "/supervisions/") {
				t.Fatalf("%s after the yellow card: %+v", name, got)
			}
		}
		if got := noticesOf(t, db, users["office"], ""); len(got) != 0 {
			t.Fatalf("office told of its own county's card: %+v", got)
		}
		if got := noticesOf(t, db, users["cadre5"], ""); len(got) != 0 {
			t.Fatalf("a cadre of another unit was told: %+v", got)
		}
		runDay(t, db, "2021-06-15") // red after 5 working days
		got := noticesOf(t, db, users["leader"], sanlian.NoticeSupervision)
		if len(got) != 2 || !strings.HasPrefix(got[0].Title, "红牌督办：") {
			t.Fatalf("leader after the red card: %+v", got)
		}

	})
}

// TestNoticeService_IssuedNotice: a supervision notice issued on a
// project or a problem asks the unit's admin for a reply.
func TestNoticeService_IssuedNotice(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "饮水管道破裂")
		clockAt(db, "2021-05-12 09:00")
		sv, err := db.Problems.CreateSupervision(sqldbtest.As(users["office"]), &sanlian.SupervisionInput{TargetKind: sanlian.TargetProblem,
			TargetID: p.ID, Text: "请三日内说明进展", ReplyDue: "2021-05-14"})
		MustOK(t, err)
		reply := noticesOf(t, db, users["unitadmin"], sanlian.NoticeReplyNeeded)
		if len(reply) != 1 || reply[0].TargetID != sv.ID || !strings.Contains(reply[0].Body, "2021-05-14") {
			t.Fatalf("unit admin's reply-needed notices: %+v", reply)
		}
		for _, name := range []string{"cadre", "leader"} {
			if got := noticesOf(t, db, users[name], sanlian.NoticeSupervision); len(got) != 1 || got[0].TargetID != sv.ID {
				t.Fatalf("%s: %+v", name, got)
			}
			if got := noticesOf(t, db, users[name], sanlian.NoticeReplyNeeded); len(got) != 0 {
				t.Fatalf("%s was asked for the reply: %+v", name, got)
			}
		}
	})
}

// TestNoticeService_Daily: the daily job tells of a deadline ending
// tomorrow and of a problem overdue, once each however often it runs.
func TestNoticeService_Daily(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := acceptedProblem(t, db, users, "村级公路塌方") // resolve by 24:00 2021-05-31
		ctx := context.Background()
		raw := MustRaw(t, db)
		count := func(kind string) int {
			return MustCount(t, raw, "SELECT COUNT(*) FROM notices WHERE kind = '"+kind+"'")
		}
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-29 00:00")))
		if n := count(sanlian.NoticeDueTomorrow); n != 0 {
			t.Fatalf("two days before: %d due-tomorrow notices", n)
		}
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-30 00:00")))
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-30 00:00")))
		if n := count(sanlian.NoticeDueTomorrow); n != 2 {
			t.Fatalf("the day before the last day, run twice: %d due-tomorrow notices, want 2 (admin and person)", n)
		}
		got := noticesOf(t, db, users["cadre"], sanlian.NoticeDueTomorrow)
		if len(got) != 1 || got[0].TargetID != p.ID || !strings.Contains(got[0].Body, "2021-05-31") {
			t.Fatalf("cadre's due-tomorrow notice: %+v", got)
		}
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-05-31 00:00")))
		if n := count(sanlian.NoticeOverdue); n != 0 {
			t.Fatalf("on the last day: %d overdue notices", n)
		}
		before := auditRows(t, raw)
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-06-01 00:00")))
		if n := count(sanlian.NoticeOverdue); n != 2 {
			t.Fatalf("overdue notices %d, want 2", n)
		}
		if auditRows(t, raw) != before+1 {
			t.Fatal("the daily job left no audit row")
		}
		// Later days and a rerun through the scheduler add nothing.
		MustOK(t, db.RegisterJob(sqldb.NoticesDailyJob, sanlian.JobDaily, sqldb.NoticesDaily))
		runDay(t, db, "2021-06-02")
		runDay(t, db, "2021-06-03")
		MustOK(t, db.Notices.NoticesDailyAt(ctx, shanghai("2021-06-01 00:00")))
		if n := count(sanlian.NoticeOverdue); n != 2 {
			t.Fatalf("overdue notices after reruns %d, want 2", n)
		}
		if n := count(sanlian.NoticeDueTomorrow); n != 2 {
			t.Fatalf("due-tomorrow notices after reruns %d, want 2", n)
		}
	})
}
