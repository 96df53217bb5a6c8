package web_test

import (
	"fmt"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// A phone and an ID number typed into a problem's title and description
// are shown masked by the API, the problem's page, the list and the
// Excel export, for every reader.
func TestProblemOutputs_MaskContacts(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		const typed = "我电话13600002222，身份证号430923198802023456"
		const masked = "我电话136****2222，身份证号430923********3456"
		whole := func(s string) bool { return strings.Contains(s, "13600002222") || strings.Contains(s, "198802023456") }
		office := a.token("office")
		res, body := a.do("POST", "/api/v1/problems", office, fmt.Sprintf(
			`{"category":"transport","village":%q,"title":%q,"description":%q,"source":"hotline"}`,
			sqldbtest.VillageA, "路灯坏了 "+typed, typed))
		if res.StatusCode != 201 || whole(body) || !strings.Contains(body, masked) {
			t.Fatalf("create: %d %s", res.StatusCode, body)
		}
		p := decode[apiProblem](t, body)
		for _, path := range []string{fmt.Sprintf("/api/v1/problems/%d", p.ID), "/api/v1/problems"} {
			if _, body := a.do("GET", path, office, ""); whole(body) || !strings.Contains(body, masked) {
				t.Errorf("%s: %s", path, body)
			}
		}
		for _, user := range []string{"office", "leader"} {
			b := a.browser()
			b.login(user, "password-123")
			for _, path := range []string{fmt.Sprintf("/problems/%d", p.ID), "/problems"} {
				res, body := b.get(path)
				if res.StatusCode != 200 || whole(body) || !strings.Contains(body, "136****2222") {
					t.Errorf("%s as %s: %d, whole text shown or masked text missing", path, user, res.StatusCode)
				}
			}
		}
		_, body = a.do("GET", "/problems/export.xlsx", office, "")
		header, rows := exported(t, body)
		titles, descs := column(t, header, rows, "标题"), column(t, header, rows, "问题描述")
		if len(rows) != 1 || titles[0] != "路灯坏了 "+masked || descs[0] != masked {
			t.Errorf("exported titles %q descriptions %q", titles, descs)
		}
	})
}
