package sqldb_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"sanlian"
	"sanlian/media"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// testPNG encodes a w×h PNG with a gradient.
func testPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// testJPEG encodes a w×h JPEG with a gradient.
func testJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), 120, uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// testZip builds a ZIP holding the named entries.
func testZip(tb testing.TB, names ...string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		f, err := zw.Create(n)
		if err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(f, "<?xml version=\"1.0\"?><x>%s</x>", n)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

const testPDF = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

func TestAttachmentService_Add(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		cadre := sqldbtest.As(users["cadre"])
		p := newProblem(t, db, users["cadre"], "村道塌方")
		add := func(name string, data []byte) (*sanlian.Attachment, error) {
			return db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, name, bytes.NewReader(data), 1<<20)
		}

		t.Run("Images", func(t *testing.T) {
			for _, c := range []struct {
				name, ct string
				data     []byte
				tw, th   int
			}{
				{"现场照片.png", "image/png", testPNG(t, 480, 320), 240, 160},
				{"IMG_0001.JPG", "image/jpeg", testJPEG(t, 300, 600), 120, 240},
				{"小图.png", "image/png", testPNG(t, 40, 30), 40, 30},
			} {
				a, err := add(c.name, c.data)
				MustOK(t, err)
				sum := sha256.Sum256(c.data)
				if a.ID == 0 || a.Filename != c.name || a.ContentType != c.ct || a.Size != int64(len(c.data)) ||
					a.SHA256 != hex.EncodeToString(sum[:]) || !a.HasThumb || a.Kind != sanlian.AttachProblem || a.Creator != "cadre" {
					t.Fatalf("%s: %+v", c.name, a)
				}
				got, data, err := openAttachment(db, cadre, a.ID, false)
				MustOK(t, err)
				if !bytes.Equal(data, c.data) || got.Filename != c.name || got.ContentType != c.ct || !got.HasThumb {
					t.Errorf("%s: stored %d bytes as %+v", c.name, len(data), got)
				}
				_, thumb, err := openAttachment(db, cadre, a.ID, true)
				MustOK(t, err)
				img, err := jpeg.Decode(bytes.NewReader(thumb))
				if err != nil {
					t.Fatalf("%s: thumbnail is not a JPEG: %v", c.name, err)
				}
				if b := img.Bounds(); b.Dx() != c.tw || b.Dy() != c.th {
					t.Errorf("%s: thumbnail %dx%d, want %dx%d", c.name, b.Dx(), b.Dy(), c.tw, c.th)
				}
			}
		})

		t.Run("Documents", func(t *testing.T) {
			for _, c := range []struct {
				name, want, ct string
				data           []byte
			}{
				{"整改报告.pdf", "整改报告.pdf", "application/pdf", []byte(testPDF)},
				{"会议纪要.docx", "会议纪要.docx", media.TypeDOCX.ContentType,
					testZip(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml")},
				{"台账.xlsx", "台账.xlsx", media.TypeXLSX.ContentType,
					testZip(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")},
				{"说明.txt", "说明.txt", "text/plain; charset=utf-8", []byte("村民反映：路灯不亮已有两周。\n")},
				// A name that lies about an accepted type gets the true extension.
				{"扫描件.jpg", "扫描件.pdf", "application/pdf", []byte(testPDF)},
				{`C:\Users\李明\Desktop\..\情况说明`, "情况说明.txt", "text/plain; charset=utf-8", []byte("情况说明")},
			} {
				a, err := add(c.name, c.data)
				MustOK(t, err)
				if a.Filename != c.want || a.ContentType != c.ct || a.HasThumb {
					t.Errorf("%s: %+v", c.name, a)
				}
			}
		})

		t.Run("ErrRefusedType", func(t *testing.T) {
			before, audits := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"), auditRows(t, raw)
			for _, c := range []struct {
				name string
				data []byte
			}{
				{"photo.jpg", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")},
				{"photo.jpg", []byte("  <html><img src=x onerror=alert(1)></html>")},
				{"图.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>`)},
				{"图.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
				{"readme.txt", []byte("说明\n<script>alert(1)</script>")},
				{"run.txt", []byte("#!/bin/sh\nrm -rf /\n")},
				{"tool.pdf", append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)},
				{"setup.docx", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 64)...)},
				{"资料.zip", testZip(t, "a.txt", "b.txt")},
				{"资料.docx", testZip(t, "word/document.xml")}, // no [Content_Types].xml
				{"宏.docx", testZip(t, "[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")},
				{"安装包.doc", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 512)...)},
				{"说明.bat", []byte("echo 你好")},
				{"空.txt", nil},
				{"坏图.jpg", testJPEG(t, 64, 64)[:200]},
			} {
				_, err := add(c.name, c.data)
				MustCode(t, err, sanlian.EUNPROCESSABLE)
				if msg := sanlian.ErrorMessage(err); !attachHasHan(msg) || sanlian.ErrorFields(err)["file"] == "" {
					t.Errorf("%s: message %q fields %v", c.name, msg, sanlian.ErrorFields(err))
				}
			}
			_, err := db.Problems.AddAttachment(cadre, p.ID, "photo", "a.png", bytes.NewReader(testPNG(t, 4, 4)), 1<<20)
			MustField(t, err, "kind")
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"); n != before {
				t.Errorf("refused files wrote %d rows", n-before)
			}
			if n := auditRows(t, raw); n != audits {
				t.Errorf("refused files wrote %d audit rows", n-audits)
			}
		})

		t.Run("ErrTooManyPixels", func(t *testing.T) {
			// A PNG header claiming 10000×5000 pixels: refused before decoding,
			// with media's reason behind the file's name.
			img := testPNG(t, 1, 1)
			binary.BigEndian.PutUint32(img[16:], 10000)
			binary.BigEndian.PutUint32(img[20:], 5000)
			binary.BigEndian.PutUint32(img[29:], crc32.ChecksumIEEE(img[12:29]))
			_, err := add("大图.png", img)
			MustCode(t, err, sanlian.EUNPROCESSABLE)
			if msg := sanlian.ErrorMessage(err); !strings.Contains(msg, "「大图.png」：") || !strings.Contains(msg, "10000×5000") ||
				!strings.Contains(sanlian.ErrorFields(err)["file"], "10000×5000") {
				t.Errorf("message %q fields %v", msg, sanlian.ErrorFields(err))
			}
		})

		t.Run("ErrTooLarge", func(t *testing.T) {
			before, audits := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"), auditRows(t, raw)
			big := append([]byte(testPDF), bytes.Repeat([]byte("0"), 3<<20)...)
			_, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "大文件.pdf", bytes.NewReader(big), 2<<20)
			MustCode(t, err, sanlian.ETOOLARGE)
			if msg := sanlian.ErrorMessage(err); !strings.Contains(msg, "2 MB") || !strings.Contains(msg, "大文件.pdf") {
				t.Errorf("message %q does not name the file and the limit", msg)
			}
			// Exactly at the limit passes.
			exact := big[:2<<20]
			_, err = db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "刚好.pdf", bytes.NewReader(exact), 2<<20)
			MustOK(t, err)
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"); n != before+1 {
				t.Errorf("attachments %d, want %d", n, before+1)
			}
			if n := auditRows(t, raw); n != audits+1 {
				t.Errorf("audit rows %d, want %d", n, audits+1)
			}
		})

		t.Run("Audit", func(t *testing.T) {
			a, err := add("audit.png", testPNG(t, 8, 8))
			MustOK(t, err)
			e := MustLastAudit(t, db, users)
			if e.Action != "create" || e.Entity != "attachment" || e.EntityID != fmt.Sprint(a.ID) || e.Actor != "cadre" {
				t.Fatalf("audit %+v", e)
			}
			ch := auditChanges(t, e)
			if ch["problem_id"][1] != float64(p.ID) || ch["filename"][1] != "audit.png" || ch["size"][1] != float64(a.Size) ||
				ch["type"][1] != "image/png" {
				t.Errorf("audit changes %v", ch)
			}
		})
	})
}

func TestAttachmentService_Scope(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		p := newProblem(t, db, users["cadre"], "饮水困难")
		a, err := db.Problems.AddAttachment(sqldbtest.As(users["office"]), p.ID, sanlian.AttachProblem, "现场.png", bytes.NewReader(testPNG(t, 16, 16)), 0)
		MustOK(t, err)
		var ua *sanlian.Attachment

		t.Run("OutOfScope", func(t *testing.T) {
			other := sqldbtest.As(users["cadre5"])
			_, err := db.Problems.AddAttachment(other, p.ID, sanlian.AttachProblem, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Problems.FindAttachments(other, p.ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, _, err = openAttachment(db, other, a.ID, false)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, _, err = openAttachment(db, other, a.ID, true)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, _, err = openAttachment(db, sqldbtest.As(users["office"]), a.ID+1000, false)
			MustCode(t, err, sanlian.ENOTFOUND)
		})

		t.Run("Roles", func(t *testing.T) {
			for _, name := range []string{"sysadmin", "auditor"} {
				ctx := sqldbtest.As(users[name])
				_, err := db.Problems.FindAttachments(ctx, p.ID)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, _, err = openAttachment(db, ctx, a.ID, false)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.AddAttachment(ctx, p.ID, sanlian.AttachProblem, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			// The leader of 东坪镇 sees the problem and its attachments, but
			// does not add to them.
			leader := sqldbtest.As(users["leader"])
			as, err := db.Problems.FindAttachments(leader, p.ID)
			MustOK(t, err)
			if len(as) != 1 || as[0].ID != a.ID || as[0].Creator != "office" {
				t.Errorf("leader sees %+v", as)
			}
			_, err = db.Problems.AddAttachment(leader, p.ID, sanlian.AttachProblem, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustCode(t, err, sanlian.EFORBIDDEN)
			// The unit admin of 民政局 sees what its cadres entered, but
			// adds nothing while it waits for the office; the cadre who
			// entered it does.
			_, err = db.Problems.AddAttachment(sqldbtest.As(users["unitadmin"]), p.ID, sanlian.AttachProblem, "补充.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustCode(t, err, sanlian.EFORBIDDEN)
			ua, err = db.Problems.AddAttachment(sqldbtest.As(users["cadre"]), p.ID, sanlian.AttachProblem, "补充.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustOK(t, err)
		})

		t.Run("ResolutionThenClosed", func(t *testing.T) {
			clockAt(db, "2021-05-10 09:00")
			q := newProblem(t, db, users["cadre"], "路灯不亮")
			office := users["office"]
			q = act(t, db, office, q, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
			q = act(t, db, users["cadre"], q, sanlian.ActionAccept, sanlian.ActionRequest{})
			q = act(t, db, users["cadre"], q, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换灯泡", Result: "已亮"})
			// Resolved, the unit adds its evidence; once closed, nobody does.
			r, err := db.Problems.AddAttachment(sqldbtest.As(users["unitadmin"]), q.ID, sanlian.AttachResolution, "整改后.jpg", bytes.NewReader(testJPEG(t, 64, 48)), 0)
			MustOK(t, err)
			q = act(t, db, office, q, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
			q = act(t, db, office, q, sanlian.ActionClose, sanlian.ActionRequest{})
			if q.State != sanlian.StateClosed {
				t.Fatalf("state %s", q.State)
			}
			_, err = db.Problems.AddAttachment(sqldbtest.As(users["unitadmin"]), q.ID, sanlian.AttachResolution, "销号后.jpg", bytes.NewReader(testJPEG(t, 64, 48)), 0)
			MustCode(t, err, sanlian.EUNPROCESSABLE)
			as, err := db.Problems.FindAttachments(sqldbtest.As(users["cadre"]), q.ID)
			MustOK(t, err)
			if len(as) != 1 || as[0].ID != r.ID || as[0].Kind != sanlian.AttachResolution || !as[0].HasThumb {
				t.Errorf("attachments %+v", as)
			}
		})

		t.Run("Merged", func(t *testing.T) {
			office := users["office"]
			dup := newProblem(t, db, users["cadre"], "饮水困难（重复）")
			d, err := db.Problems.AddAttachment(sqldbtest.As(users["cadre"]), dup.ID, sanlian.AttachProblem, "重复.txt", strings.NewReader("同一件事"), 0)
			MustOK(t, err)
			act(t, db, office, dup, sanlian.ActionMerge, sanlian.ActionRequest{Into: p.ID})
			// The merged problem's attachment still opens.
			if _, data, err := openAttachment(db, sqldbtest.As(users["leader"]), d.ID, false); err != nil || string(data) != "同一件事" {
				t.Errorf("open merged attachment: %q %v", data, err)
			}
			as, err := db.Problems.FindAttachments(sqldbtest.As(office), p.ID)
			MustOK(t, err)
			if len(as) != 3 || as[0].ID != a.ID || as[1].ID != ua.ID || as[2].ID != d.ID {
				t.Errorf("after merge %+v", as)
			}
		})
	})
}

func attachHasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// testWebP is the head of a lossy WebP: enough for the type to be told
// from its bytes.
var testWebP = append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), make([]byte, 24)...)

func TestAttachmentService_VisitPhotos(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-20 16:00")
		raw := MustRaw(t, db)
		cadre := sqldbtest.As(users["cadre"])
		v, _, err := db.Work.CreateVisit(cadre, &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: "2021-05-20", HouseholdID: 1,
			Findings: "房屋漏雨，老人独居"}, "")
		MustOK(t, err)
		p := newProblem(t, db, users["cadre"], "村道塌方")
		var photo *sanlian.Attachment

		t.Run("OK", func(t *testing.T) {
			img := testPNG(t, 480, 320)
			photo, err = db.Problems.AddVisitPhoto(cadre, v.ID, "屋顶漏雨.png", bytes.NewReader(img), 1<<20)
			MustOK(t, err)
			if photo.VisitID != v.ID || photo.ProblemID != 0 || photo.Kind != sanlian.AttachVisit || !photo.HasThumb ||
				photo.ContentType != "image/png" || photo.Filename != "屋顶漏雨.png" || photo.Creator != "cadre" {
				t.Fatalf("photo %+v", photo)
			}
			w, err := db.Problems.AddVisitPhoto(cadre, v.ID, "门前.webp", bytes.NewReader(testWebP), 1<<20)
			MustOK(t, err)
			if w.ContentType != "image/webp" || w.HasThumb {
				t.Errorf("webp %+v", w)
			}
			j, err := db.Problems.AddVisitPhoto(cadre, v.ID, "IMG_0002", bytes.NewReader(testJPEG(t, 64, 48)), 1<<20)
			MustOK(t, err)
			if j.Filename != "IMG_0002.jpg" {
				t.Errorf("a photo without extension is named %q", j.Filename)
			}
			ps, err := db.Problems.FindVisitPhotos(cadre, v.ID)
			MustOK(t, err)
			if len(ps) != 3 || ps[0].ID != photo.ID || ps[1].ID != w.ID || ps[2].ID != j.ID || ps[0].VisitID != v.ID {
				t.Errorf("photos %+v", ps)
			}
			vs, _, err := db.Work.FindVisits(cadre, sanlian.VisitFilter{})
			MustOK(t, err)
			listed := -1
			for _, x := range vs {
				if x.ID == v.ID {
					listed = x.Attachments
				}
			}
			if listed != 3 {
				t.Errorf("the visit list counts %d photos, want 3 (-1: not listed)", listed)
			}
			got, data, err := openAttachment(db, cadre, photo.ID, false)
			MustOK(t, err)
			if !bytes.Equal(data, img) || got.VisitID != v.ID || got.Kind != sanlian.AttachVisit {
				t.Errorf("open %+v (%d bytes)", got, len(data))
			}
			if _, thumb, err := openAttachment(db, cadre, photo.ID, true); err != nil || len(thumb) == 0 {
				t.Errorf("thumb: %d bytes, %v", len(thumb), err)
			}
			// A problem's attachments and a visit's photos do not mix.
			if as, err := db.Problems.FindAttachments(cadre, p.ID); err != nil || len(as) != 0 {
				t.Errorf("problem attachments %+v %v", as, err)
			}
			e := MustLastAudit(t, db, users)
			if ch := auditChanges(t, e); e.Entity != "attachment" || ch["visit_id"][1] != float64(v.ID) || ch["kind"][1] != "visit" {
				t.Errorf("audit %+v %v", e, ch)
			}
		})

		t.Run("ErrNotAPhoto", func(t *testing.T) {
			before, audits := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"), auditRows(t, raw)
			for _, c := range []struct {
				name string
				data []byte
			}{
				{"走访记录.pdf", []byte(testPDF)},
				{"照片.jpg", []byte(testPDF)}, // a document named as a photo
				{"记录.docx", testZip(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml")},
				{"说明.txt", []byte("今天走访了三户")},
				{"photo.jpg", []byte("<html><script>alert(1)</script></html>")},
				{"图.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
				{"空.jpg", nil},
			} {
				_, err := db.Problems.AddVisitPhoto(cadre, v.ID, c.name, bytes.NewReader(c.data), 1<<20)
				MustCode(t, err, sanlian.EUNPROCESSABLE)
				if msg := sanlian.ErrorMessage(err); !attachHasHan(msg) || sanlian.ErrorFields(err)["file"] == "" {
					t.Errorf("%s: message %q fields %v", c.name, msg, sanlian.ErrorFields(err))
				}
				if c.name == "走访记录.pdf" && !strings.Contains(sanlian.ErrorMessage(err), "不是照片") {
					t.Errorf("%s: %q does not say it is not a photo", c.name, sanlian.ErrorMessage(err))
				}
			}
			big := append(testPNG(t, 8, 8), make([]byte, 2<<20)...)
			_, err := db.Problems.AddVisitPhoto(cadre, v.ID, "大图.png", bytes.NewReader(big), 1<<20)
			MustCode(t, err, sanlian.ETOOLARGE)
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"); n != before {
				t.Errorf("refused photos wrote %d rows", n-before)
			}
			if n := auditRows(t, raw); n != audits {
				t.Errorf("refused photos wrote %d audit rows", n-audits)
			}
		})

		t.Run("Scope", func(t *testing.T) {
			other := sqldbtest.As(users["cadre5"])
			_, err := db.Problems.AddVisitPhoto(other, v.ID, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Problems.FindVisitPhotos(other, v.ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, _, err = openAttachment(db, other, photo.ID, false)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Problems.AddVisitPhoto(cadre, v.ID+1000, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustCode(t, err, sanlian.ENOTFOUND)
			for _, name := range []string{"sysadmin", "auditor"} {
				ctx := sqldbtest.As(users[name])
				_, _, err := openAttachment(db, ctx, photo.ID, false)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.AddVisitPhoto(ctx, v.ID, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			// The leader of 东坪镇 sees the photos of visits there, but adds
			// only to their own visits.
			leader := sqldbtest.As(users["leader"])
			if _, _, err := openAttachment(db, leader, photo.ID, true); err != nil {
				t.Errorf("leader opens photo: %v", err)
			}
			_, err = db.Problems.AddVisitPhoto(leader, v.ID, "x.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustCode(t, err, sanlian.EFORBIDDEN)
			lv, _, err := db.Work.CreateVisit(leader, &sanlian.VisitInput{Kind: sanlian.VisitTownship, Date: "2021-05-19",
				RegionCode: sqldbtest.Dongping, Findings: "调研防汛"}, "")
			MustOK(t, err)
			_, err = db.Problems.AddVisitPhoto(leader, lv.ID, "堤坝.jpg", bytes.NewReader(testJPEG(t, 32, 32)), 0)
			MustOK(t, err)
			// The unit admin of 民政局 adds to the visits of its cadres.
			_, err = db.Problems.AddVisitPhoto(sqldbtest.As(users["unitadmin"]), v.ID, "补拍.png", bytes.NewReader(testPNG(t, 4, 4)), 0)
			MustOK(t, err)
		})

		t.Run("OneOwner", func(t *testing.T) {
			// The table itself refuses an attachment of no owner, of two,
			// or of a kind that does not match its owner.
			for _, c := range []struct {
				problem, visit any
				kind           string
				ok             bool
			}{{nil, nil, "problem", false}, {p.ID, v.ID, "problem", false}, {nil, v.ID, "problem", false}, {p.ID, nil, "visit", false},
				{p.ID, nil, "resolution", true}, {nil, v.ID, "visit", true}} {
				_, err := raw.Exec(rawSQL(db, `INSERT INTO attachments (problem_id, visit_id, kind, filename, content_type, size, sha256, created_at, data)
					VALUES (?, ?, ?, 'x.png', 'image/png', 1, 'x', ?, ?)`), c.problem, c.visit, c.kind, time.Now(), []byte{1})
				if (err == nil) != c.ok {
					t.Errorf("problem %v visit %v kind %s: error %v", c.problem, c.visit, c.kind, err)
				}
			}
		})
	})
}

// rawSQL turns ? into $n for PostgreSQL, for raw SQL in tests.
func rawSQL(db *sqldb.DB, q string) string {
	if db.Dialect != sqldb.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestMigrate_VisitPhotosKeepsRows runs the SQLite table rebuild of 0007
// again over stored attachments: every row, id and byte survives, and no
// foreign key is left dangling.
func TestMigrate_VisitPhotosKeepsRows(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		if db.Dialect != sqldb.SQLite {
			t.Skip("PostgreSQL alters the table in place")
		}
		cadre := sqldbtest.As(users["cadre"])
		p := newProblem(t, db, users["cadre"], "桥面破损")
		img := testPNG(t, 32, 32)
		a, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "桥面.png", bytes.NewReader(img), 0)
		MustOK(t, err)
		raw := MustRaw(t, db)
		legacyForm(t, db, cadre, a.ID)
		// 0011 rebuilds the table again after 0007, with the later owners,
		// and 0038 once more with the blob keys.
		for _, q := range []string{`DELETE FROM schema_migrations WHERE version IN (7, 11, 38)`, `ALTER TABLE self_criticisms DROP COLUMN blob_key`} {
			if _, err := raw.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		MustOK(t, db.Migrate(context.Background()))
		got, data, err := openAttachment(db, cadre, a.ID, false)
		MustOK(t, err)
		if !bytes.Equal(data, img) || got.ProblemID != p.ID || !got.HasThumb || got.Filename != "桥面.png" {
			t.Errorf("after rebuild %+v", got)
		}
		if n := MustCount(t, raw, "SELECT COUNT(*) FROM pragma_foreign_key_check"); n != 0 {
			t.Errorf("%d dangling foreign keys", n)
		}
		b, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "又一张.png", bytes.NewReader(img), 0)
		MustOK(t, err)
		if b.ID <= a.ID {
			t.Errorf("new id %d after %d", b.ID, a.ID)
		}
	})
}

func TestAttachmentService_ActivityPhotos(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-20 16:00")
		raw := MustRaw(t, db)
		office, unitAdmin, cadre := sqldbtest.As(users["office"]), sqldbtest.As(users["unitadmin"]), sqldbtest.As(users["cadre"])
		// 民政局 (unit 1) in 黄沙坪村 of 东坪镇, with its cadre 李明; 梅城镇
		// (unit 4) in 启安村, with 陈刚.
		mz, err := db.Work.CreateActivity(office, &sanlian.ActivityInput{Type: "relief", Date: "2021-05-18", VillageCode: sqldbtest.VillageA,
			UnitID: 1, Volunteers: []int64{2}, Served: 12, Description: "走访慰问困难群众"})
		MustOK(t, err)
		mc, err := db.Work.CreateActivity(office, &sanlian.ActivityInput{Type: "environment", Date: "2021-05-19", VillageCode: sqldbtest.VillageC,
			UnitID: 4, Volunteers: []int64{5}, Others: 6, Served: 40, Description: "清理河道垃圾"})
		MustOK(t, err)
		var photo *sanlian.Attachment

		t.Run("OK", func(t *testing.T) {
			img := testPNG(t, 480, 320)
			photo, err = db.Problems.AddActivityPhoto(unitAdmin, mz.ID, "慰问现场.png", bytes.NewReader(img), 1<<20)
			MustOK(t, err)
			if photo.ActivityID != mz.ID || photo.ProblemID != 0 || photo.VisitID != 0 || photo.ProgressID != 0 ||
				photo.Kind != sanlian.AttachActivity || !photo.HasThumb || photo.ContentType != "image/png" || photo.Creator != "unitadmin" {
				t.Fatalf("photo %+v", photo)
			}
			e := MustLastAudit(t, db, users)
			if ch := auditChanges(t, e); e.Entity != "attachment" || ch["activity_id"][1] != float64(mz.ID) || ch["kind"][1] != "activity" {
				t.Errorf("audit %+v %v", e, ch)
			}
			j, err := db.Problems.AddActivityPhoto(office, mz.ID, "合影", bytes.NewReader(testJPEG(t, 64, 48)), 1<<20)
			MustOK(t, err)
			if j.Filename != "合影.jpg" || j.ActivityID != mz.ID {
				t.Errorf("jpeg %+v", j)
			}
			// The cadre who served sees the photos of the activity.
			ps, err := db.Problems.FindActivityPhotos(cadre, mz.ID)
			MustOK(t, err)
			if len(ps) != 2 || ps[0].ID != photo.ID || ps[1].ID != j.ID || ps[0].ActivityID != mz.ID || ps[0].Kind != sanlian.AttachActivity {
				t.Errorf("photos %+v", ps)
			}
			got, data, err := openAttachment(db, cadre, photo.ID, false)
			MustOK(t, err)
			if !bytes.Equal(data, img) || got.ActivityID != mz.ID || got.Kind != sanlian.AttachActivity {
				t.Errorf("open %+v (%d bytes)", got, len(data))
			}
			// The leader of 东坪镇 sees the activities there and their photos.
			if _, thumb, err := openAttachment(db, sqldbtest.As(users["leader"]), photo.ID, true); err != nil || len(thumb) == 0 {
				t.Errorf("leader's thumb: %d bytes, %v", len(thumb), err)
			}
			// Another activity's photos are its own.
			if ps, err := db.Problems.FindActivityPhotos(office, mc.ID); err != nil || len(ps) != 0 {
				t.Errorf("photos of another activity %+v %v", ps, err)
			}
		})

		t.Run("Rights", func(t *testing.T) {
			before, audits := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"), auditRows(t, raw)
			png := func() *bytes.Reader { return bytes.NewReader(testPNG(t, 8, 8)) }
			// Those who see the activity but may not edit it.
			for _, name := range []string{"cadre", "leader"} {
				_, err := db.Problems.AddActivityPhoto(sqldbtest.As(users[name]), mz.ID, "x.png", png(), 0)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			// Out of scope: 梅城镇's activity for 民政局's admin and cadre.
			_, err := db.Problems.AddActivityPhoto(unitAdmin, mc.ID, "x.png", png(), 0)
			MustCode(t, err, sanlian.ENOTFOUND)
			other := sqldbtest.As(users["cadre5"])
			_, err = db.Problems.FindActivityPhotos(other, mz.ID)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, _, err = openAttachment(db, other, photo.ID, false)
			MustCode(t, err, sanlian.ENOTFOUND)
			_, err = db.Problems.AddActivityPhoto(office, mz.ID+1000, "x.png", png(), 0)
			MustCode(t, err, sanlian.ENOTFOUND)
			for _, name := range []string{"sysadmin", "auditor"} {
				ctx := sqldbtest.As(users[name])
				_, _, err := openAttachment(db, ctx, photo.ID, false)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.AddActivityPhoto(ctx, mz.ID, "x.png", png(), 0)
				MustCode(t, err, sanlian.EFORBIDDEN)
				_, err = db.Problems.FindActivityPhotos(ctx, mz.ID)
				MustCode(t, err, sanlian.EFORBIDDEN)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"); n != before {
				t.Errorf("refused photos wrote %d rows", n-before)
			}
			if n := auditRows(t, raw); n != audits {
				t.Errorf("refused photos wrote %d audit rows", n-audits)
			}
		})

		t.Run("ErrNotAPhoto", func(t *testing.T) {
			before := MustCount(t, raw, "SELECT COUNT(*) FROM attachments")
			_, err := db.Problems.AddActivityPhoto(office, mz.ID, "活动方案.pdf", bytes.NewReader([]byte(testPDF)), 1<<20)
			MustCode(t, err, sanlian.EUNPROCESSABLE)
			if msg := sanlian.ErrorMessage(err); !strings.Contains(msg, "不是照片") || sanlian.ErrorFields(err)["file"] == "" {
				t.Errorf("message %q fields %v", msg, sanlian.ErrorFields(err))
			}
			big := append(testPNG(t, 8, 8), make([]byte, 2<<20)...)
			_, err = db.Problems.AddActivityPhoto(office, mz.ID, "大图.png", bytes.NewReader(big), 1<<20)
			MustCode(t, err, sanlian.ETOOLARGE)
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"); n != before {
				t.Errorf("refused photos wrote %d rows", n-before)
			}
		})

		t.Run("OneOwner", func(t *testing.T) {
			// The table refuses an activity photo with a second owner or a
			// kind that does not match; evidence needs a progress entry.
			v, _, err := db.Work.CreateVisit(cadre, &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: "2021-05-20", HouseholdID: 1,
				Findings: "了解低保政策落实"}, "")
			MustOK(t, err)
			for _, c := range []struct {
				visit, activity any
				kind            string
				ok              bool
			}{{nil, mz.ID, "activity", true}, {v.ID, mz.ID, "activity", false}, {v.ID, mz.ID, "visit", false},
				{nil, mz.ID, "visit", false}, {nil, mz.ID, "problem", false}, {nil, mz.ID, "evidence", false}, {nil, nil, "activity", false},
				{nil, nil, "evidence", false}} {
				_, err := raw.Exec(rawSQL(db, `INSERT INTO attachments (visit_id, activity_id, kind, filename, content_type, size, sha256, created_at, data)
					VALUES (?, ?, ?, 'x.png', 'image/png', 1, 'x', ?, ?)`), c.visit, c.activity, c.kind, time.Now(), []byte{1})
				if (err == nil) != c.ok {
					t.Errorf("visit %v activity %v kind %s: error %v", c.visit, c.activity, c.kind, err)
				}
			}
		})
	})
}

// TestMigrate_ActivityPhotosKeepsRows takes the attachments table back to
// its shape before 0011 and runs 0011 again: the photos of problems and
// visits keep their ids, owners and bytes, and the new owners work.
func TestMigrate_ActivityPhotosKeepsRows(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		clockAt(db, "2021-05-20 16:00")
		cadre := sqldbtest.As(users["cadre"])
		p := newProblem(t, db, users["cadre"], "路灯不亮")
		img := testPNG(t, 32, 32)
		pa, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "路灯.png", bytes.NewReader(img), 0)
		MustOK(t, err)
		v, _, err := db.Work.CreateVisit(cadre, &sanlian.VisitInput{Kind: sanlian.VisitHousehold, Date: "2021-05-20", HouseholdID: 2,
			Findings: "询问用水情况"}, "")
		MustOK(t, err)
		va, err := db.Problems.AddVisitPhoto(cadre, v.ID, "水井.jpg", bytes.NewReader(testJPEG(t, 16, 16)), 0)
		MustOK(t, err)
		raw := MustRaw(t, db)
		legacyForm(t, db, cadre, pa.ID, va.ID)
		var back []string
		if db.Dialect == sqldb.SQLite {
			// The table as 0007 left it, rows copied.
			back = []string{`CREATE TABLE attachments_old (
					id INTEGER PRIMARY KEY, problem_id INTEGER REFERENCES problems (id), visit_id INTEGER REFERENCES visits (id),
					kind TEXT NOT NULL CHECK (kind IN ('problem', 'resolution', 'visit')), filename TEXT NOT NULL,
					content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, created_by INTEGER REFERENCES users (id),
					created_at DATETIME NOT NULL, thumb BLOB, data BLOB NOT NULL,
					CHECK ((problem_id IS NOT NULL AND visit_id IS NULL AND kind <> 'visit')
						OR (visit_id IS NOT NULL AND problem_id IS NULL AND kind = 'visit')))`,
				`INSERT INTO attachments_old SELECT id, problem_id, visit_id, kind, filename, content_type, size, sha256, created_by,
					created_at, thumb, data FROM attachments`,
				`DROP TABLE attachments`,
				`ALTER TABLE attachments_old RENAME TO attachments`,
				`CREATE INDEX attachments_problem ON attachments (problem_id, id)`,
				`CREATE INDEX attachments_visit ON attachments (visit_id, id) WHERE visit_id IS NOT NULL`,
				// 0038 rebuilds it again, with the blob keys.
				`ALTER TABLE self_criticisms DROP COLUMN blob_key`,
				`DELETE FROM schema_migrations WHERE version = 38`}
		} else {
			back = []string{`ALTER TABLE attachments DROP COLUMN activity_id, DROP COLUMN progress_id`,
				`ALTER TABLE attachments DROP CONSTRAINT IF EXISTS attachments_owner_check`,
				`ALTER TABLE attachments DROP CONSTRAINT attachments_kind_check`,
				`ALTER TABLE attachments ADD CONSTRAINT attachments_kind_check CHECK (kind IN ('problem', 'resolution', 'visit'))`,
				`ALTER TABLE attachments ADD CONSTRAINT attachments_owner_check CHECK (
					(problem_id IS NOT NULL AND visit_id IS NULL AND kind <> 'visit') OR (visit_id IS NOT NULL AND problem_id IS NULL AND kind = 'visit'))`}
		}
		for _, q := range append(back, `DELETE FROM schema_migrations WHERE version = 11`) {
			if _, err := raw.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		MustOK(t, db.Migrate(context.Background()))
		got, data, err := openAttachment(db, cadre, pa.ID, false)
		MustOK(t, err)
		if !bytes.Equal(data, img) || got.ProblemID != p.ID || got.Kind != sanlian.AttachProblem || !got.HasThumb {
			t.Errorf("problem attachment after 0011: %+v", got)
		}
		if ps, err := db.Problems.FindVisitPhotos(cadre, v.ID); err != nil || len(ps) != 1 || ps[0].ID != va.ID || ps[0].Filename != "水井.jpg" {
			t.Errorf("visit photos after 0011: %+v %v", ps, err)
		}
		if db.Dialect == sqldb.SQLite {
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM pragma_foreign_key_check"); n != 0 {
				t.Errorf("%d dangling foreign keys", n)
			}
		}
		a, err := db.Work.CreateActivity(sqldbtest.As(users["office"]), &sanlian.ActivityInput{Type: "lecture", Date: "2021-05-20",
			VillageCode: sqldbtest.VillageA, UnitID: 1, Others: 2, Served: 30, Description: "防溺水安全讲座"})
		MustOK(t, err)
		ap, err := db.Problems.AddActivityPhoto(sqldbtest.As(users["office"]), a.ID, "讲座.png", bytes.NewReader(img), 0)
		MustOK(t, err)
		if ap.ID <= va.ID {
			t.Errorf("new id %d after %d", ap.ID, va.ID)
		}
	})
}

// TestAttachmentService_RightToAct checks that attaching to a problem
// needs the right to act on it now, not just to read it: the unit that
// entered it and the leader who oversees its township read it but add
// nothing; the handling unit and the office do; a closed problem takes
// nothing. A refusal stores nothing and writes no audit row.
func TestAttachmentService_RightToAct(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		clockAt(db, "2021-05-10 09:00")
		office, cadre := users["office"], users["cadre"]
		// 梅城镇's cadre enters it; the office hands it to 县民政局 (李明).
		p := newProblem(t, db, users["cadre5"], "村道路灯不亮")
		p = act(t, db, office, p, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 1, PersonID: 2})
		p = act(t, db, cadre, p, sanlian.ActionAccept, sanlian.ActionRequest{})
		add := func(u *sanlian.User, kind, name string) (*sanlian.Attachment, error) {
			return db.Problems.AddAttachment(sqldbtest.As(u), p.ID, kind, name, bytes.NewReader(testPNG(t, 8, 8)), 0)
		}
		refused := func(t *testing.T, u *sanlian.User, kind, code string) {
			t.Helper()
			before, audits := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"), auditRows(t, raw)
			_, err := add(u, kind, "越权.png")
			MustCode(t, err, code)
			if msg := sanlian.ErrorMessage(err); !strings.ContainsAny(msg, "问题附件单位") {
				t.Errorf("message %q is not in Chinese", msg)
			}
			if n := MustCount(t, raw, "SELECT COUNT(*) FROM attachments"); n != before {
				t.Errorf("refused upload wrote %d rows", n-before)
			}
			if n := auditRows(t, raw); n != audits {
				t.Errorf("refused upload wrote %d audit rows", n-audits)
			}
		}

		t.Run("ReadersDoNotAttach", func(t *testing.T) {
			for _, name := range []string{"cadre5", "leader"} {
				if _, err := db.Problems.FindAttachments(sqldbtest.As(users[name]), p.ID); err != nil {
					t.Fatalf("%s should read the problem: %v", name, err)
				}
				for _, kind := range []string{sanlian.AttachProblem, sanlian.AttachResolution} {
					refused(t, users[name], kind, sanlian.EFORBIDDEN)
				}
			}
		})

		t.Run("HandlersAttach", func(t *testing.T) {
			for _, c := range []struct {
				u    *sanlian.User
				kind string
			}{
				{cadre, sanlian.AttachResolution},
				{users["unitadmin"], sanlian.AttachProblem},
				{office, sanlian.AttachResolution},
			} {
				a, err := add(c.u, c.kind, "整改.png")
				MustOK(t, err)
				if a.Kind != c.kind || a.ProblemID != p.ID {
					t.Errorf("%s: %+v", c.u.Username, a)
				}
			}
		})

		t.Run("CoUnit", func(t *testing.T) {
			// 梅城镇 leads; 县民政局 co-handles: its admin and cadres add
			// evidence of their part while they may record it, not after.
			q := newProblem(t, db, office, "河堤加固")
			q = act(t, db, office, q, sanlian.ActionAssign, sanlian.ActionRequest{UnitID: 4, PersonID: 5, CoUnitIDs: []int64{1}})
			q = act(t, db, users["cadre5"], q, sanlian.ActionAccept, sanlian.ActionRequest{})
			for _, u := range []*sanlian.User{users["unitadmin"], cadre} {
				_, err := db.Problems.AddAttachment(sqldbtest.As(u), q.ID, sanlian.AttachResolution, "配合.png", bytes.NewReader(testPNG(t, 8, 8)), 0)
				MustOK(t, err)
			}
			act(t, db, users["cadre5"], q, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "加固河堤", Result: "已完工"})
			_, err := db.Problems.AddAttachment(sqldbtest.As(users["unitadmin"]), q.ID, sanlian.AttachResolution, "晚了.png", bytes.NewReader(testPNG(t, 8, 8)), 0)
			MustCode(t, err, sanlian.EUNPROCESSABLE)
		})

		t.Run("Closed", func(t *testing.T) {
			p = act(t, db, cadre, p, sanlian.ActionResolve, sanlian.ActionRequest{Measures: "更换灯泡", Result: "已亮"})
			// Once resolved, the unit may still add its evidence.
			_, err := add(users["unitadmin"], sanlian.AttachResolution, "办结后.png")
			MustOK(t, err)
			refused(t, users["unitadmin"], sanlian.AttachProblem, sanlian.EUNPROCESSABLE)
			p = act(t, db, office, p, sanlian.ActionCallback, sanlian.ActionRequest{Solved: "yes", Satisfaction: "satisfied"})
			p = act(t, db, office, p, sanlian.ActionClose, sanlian.ActionRequest{})
			for _, u := range []*sanlian.User{users["unitadmin"], cadre, office} {
				refused(t, u, sanlian.AttachResolution, sanlian.EUNPROCESSABLE)
			}
		})
	})
}
