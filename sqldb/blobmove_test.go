package sqldb_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"sanlian"
	"sanlian/blobs"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// openAttachment opens an attachment and reads its stream whole.
func openAttachment(db *sqldb.DB, ctx context.Context, id int64, thumb bool) (*sanlian.Attachment, []byte, error) {
	a, rc, size, err := db.Problems.OpenAttachment(ctx, id, thumb)
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, err
	}
	if size >= 0 && size != int64(len(data)) {
		return nil, nil, fmt.Errorf("attachment %d: size %d, read %d bytes", id, size, len(data))
	}
	return a, data, nil
}

// flakyStore fails every Put after the first left, and every Open when
// down is set, as a store that stops answering would.
type flakyStore struct {
	blobs.Store
	mu   sync.Mutex
	left int // puts that still succeed; -1: all
	puts int
	down bool
}

func (f *flakyStore) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	f.mu.Lock()
	if f.left == 0 {
		f.mu.Unlock()
		return fmt.Errorf("%w: connection refused", blobs.ErrUnavailable)
	}
	if f.left > 0 {
		f.left--
	}
	f.puts++
	f.mu.Unlock()
	return f.Store.Put(ctx, key, r, size)
}

func (f *flakyStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if f.down {
		return nil, fmt.Errorf("%w: connection refused", blobs.ErrUnavailable)
	}
	return f.Store.Open(ctx, key)
}

// legacyForm puts the files of the attachments ids (and thumbnails) back
// in their rows, as a version before the blob store kept them.
func legacyForm(t *testing.T, db *sqldb.DB, ctx context.Context, ids ...int64) {
	t.Helper()
	for _, id := range ids {
		a, data, err := openAttachment(db, ctx, id, false)
		MustOK(t, err)
		var thumb any
		if a.HasThumb {
			_, th, err := openAttachment(db, ctx, id, true)
			MustOK(t, err)
			thumb = th
		}
		MustOK(t, db.ExecForTest(`UPDATE attachments SET data = ?, thumb = ?, blob_key = NULL, thumb_key = NULL WHERE id = ?`, data, thumb, id))
	}
}

// blobKeys lists the keys the database refers to.
func blobKeys(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	var out []string
	MustOK(t, db.BlobKeys(context.Background(), func(k string) error { out = append(out, k); return nil }))
	return out
}

func TestAttachmentService_Blobs(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		raw := MustRaw(t, db)
		ctx := context.Background()
		cadre := sqldbtest.As(users["cadre"])
		p := newProblem(t, db, users["cadre"], "村道塌方")
		photo := testPNG(t, 480, 320)

		t.Run("Stored", func(t *testing.T) {
			a, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "现场.png", bytes.NewReader(photo), 1<<20)
			MustOK(t, err)
			if n := MustCount(t, raw, fmt.Sprintf(`SELECT COUNT(*) FROM attachments WHERE id = %d AND data IS NULL AND thumb IS NULL
				AND blob_key IS NOT NULL AND thumb_key IS NOT NULL`, a.ID)); n != 1 {
				t.Fatal("the file or its thumbnail is in the database, not the store")
			}
			if n, err := db.Blobs.Stat(ctx, blobs.Key(photo)); err != nil || n != int64(len(photo)) {
				t.Fatalf("blob of the photo: %d, %v", n, err)
			}
			_, data, err := openAttachment(db, cadre, a.ID, false)
			MustOK(t, err)
			if !bytes.Equal(data, photo) {
				t.Fatalf("read back %d bytes, want %d", len(data), len(photo))
			}
			if _, thumb, err := openAttachment(db, cadre, a.ID, true); err != nil || len(thumb) == 0 {
				t.Fatalf("thumbnail: %d bytes, %v", len(thumb), err)
			}
			keys := blobKeys(t, db)
			if len(keys) != 2 || !strings.Contains(strings.Join(keys, " "), blobs.Key(photo)) {
				t.Fatalf("BlobKeys: %v", keys)
			}
		})

		t.Run("ErrPutFails", func(t *testing.T) {
			store := db.Blobs
			t.Cleanup(func() { db.Blobs = store })
			db.Blobs = &flakyStore{Store: store, left: 0}
			before := MustCount(t, raw, `SELECT COUNT(*) FROM attachments`)
			audits := auditRows(t, raw)
			_, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "报告.pdf", strings.NewReader(testPDF), 1<<20)
			MustCode(t, err, sanlian.EUNAVAILABLE)
			if msg := sanlian.ErrorMessage(err); !strings.Contains(msg, "文件存储暂不可用") || !strings.Contains(msg, "报告.pdf") {
				t.Errorf("message %q", msg)
			}
			// A photo: the file is put, then its thumbnail fails.
			db.Blobs = &flakyStore{Store: store, left: 1}
			_, err = db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "另一张.png", bytes.NewReader(testPNG(t, 300, 200)), 1<<20)
			MustCode(t, err, sanlian.EUNAVAILABLE)
			if n := MustCount(t, raw, `SELECT COUNT(*) FROM attachments`); n != before || auditRows(t, raw) != audits {
				t.Fatalf("a failed put wrote rows: %d attachments (was %d)", n, before)
			}
			db.Blobs = nil
			_, err = db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "报告.pdf", strings.NewReader(testPDF), 1<<20)
			MustCode(t, err, sanlian.EUNAVAILABLE)
			if !strings.Contains(sanlian.ErrorMessage(err), "未配置文件存储") {
				t.Errorf("no store: %q", sanlian.ErrorMessage(err))
			}
		})

		t.Run("ErrMissingOrDown", func(t *testing.T) {
			data := []byte("走访记录\n")
			a, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "记录.txt", bytes.NewReader(data), 1<<20)
			MustOK(t, err)
			store := db.Blobs
			t.Cleanup(func() { db.Blobs = store })
			db.Blobs = &flakyStore{Store: store, left: -1, down: true}
			_, _, err = openAttachment(db, cadre, a.ID, false)
			MustCode(t, err, sanlian.EUNAVAILABLE)
			if !strings.Contains(sanlian.ErrorMessage(err), "文件存储暂不可用") {
				t.Errorf("down: %q", sanlian.ErrorMessage(err))
			}
			db.Blobs = store
			MustOK(t, store.Delete(ctx, blobs.Key(data)))
			_, _, err = openAttachment(db, cadre, a.ID, false)
			MustCode(t, err, sanlian.ENOTFOUND)
			if msg := sanlian.ErrorMessage(err); !strings.Contains(msg, "记录.txt") || !strings.Contains(msg, "缺失") {
				t.Errorf("missing: %q", msg)
			}
			// Scope comes first: outside it, the same not-found as ever.
			_, _, err = openAttachment(db, sqldbtest.As(users["cadre5"]), a.ID, false)
			MustCode(t, err, sanlian.ENOTFOUND)
			if strings.Contains(sanlian.ErrorMessage(err), "缺失") {
				t.Errorf("outside the scope the message tells the file is missing: %q", sanlian.ErrorMessage(err))
			}
		})
	})
}

// legacyAttachments adds n attachments (every other one a photo with a
// thumbnail) and puts their files back in the database as a version
// before the blob store kept them, emptying the store. It returns the
// bytes of each by id.
func legacyAttachments(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, n int) map[int64][]byte {
	t.Helper()
	cadre := sqldbtest.As(users["cadre"])
	p := newProblem(t, db, users["cadre"], "旧附件")
	files := map[int64][]byte{}
	for i := range n {
		name, data := fmt.Sprintf("第%d份.txt", i), []byte(fmt.Sprintf("第 %d 份材料\n", i))
		if i%2 == 0 {
			name, data = fmt.Sprintf("第%d张.png", i), testPNG(t, 60+i, 40)
		}
		a, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, name, bytes.NewReader(data), 1<<20)
		MustOK(t, err)
		legacyForm(t, db, cadre, a.ID)
		files[a.ID] = data
	}
	MustOK(t, db.Blobs.Walk(context.Background(), "", func(k string, _ int64) error { return db.Blobs.Delete(context.Background(), k) }))
	return files
}

// legacySelfCriticism files a self-criticism as a version before the blob
// store did: its file in data.
func legacySelfCriticism(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User, data []byte) int64 {
	t.Helper()
	now := time.Date(2021, 5, 17, 1, 0, 0, 0, time.UTC)
	MustOK(t, db.ExecForTest(`INSERT INTO bulletins (period, year, number, state, content, created_at, updated_at, published_at)
		VALUES ('2021-05-H1', 2021, 1, 'published', '{}', ?, ?, ?)`, now, now, now))
	MustOK(t, db.ExecForTest(`INSERT INTO self_criticisms (bulletin_id, unit_id, reason, due_at, filed_at, filename, content_type, size, data, created_at)
		VALUES ((SELECT id FROM bulletins WHERE period = '2021-05-H1'), 1, '推诿扯皮', ?, ?, '检讨.pdf', 'application/pdf', ?, ?, ?)`,
		now.Add(200*time.Hour), now.Add(time.Hour), len(data), data, now))
	var id int64
	scs, err := db.Reports.FindSelfCriticisms(sqldbtest.As(users["office"]), sanlian.SelfCriticismFilter{})
	MustOK(t, err)
	for _, s := range scs {
		id = s.ID
	}
	if id == 0 {
		t.Fatal("self-criticism not found")
	}
	return id
}

// checkMoved verifies every row is either moved (a key, no data) or
// untouched (data, no key), and returns how many are moved.
func checkMoved(t *testing.T, db *sqldb.DB) int {
	t.Helper()
	raw := MustRaw(t, db)
	if n := MustCount(t, raw, `SELECT COUNT(*) FROM attachments WHERE NOT ((blob_key IS NOT NULL AND data IS NULL AND thumb IS NULL)
		OR (blob_key IS NULL AND thumb_key IS NULL AND data IS NOT NULL))`); n != 0 {
		t.Fatalf("%d attachments half moved", n)
	}
	if n := MustCount(t, raw, `SELECT COUNT(*) FROM self_criticisms WHERE blob_key IS NOT NULL AND data IS NOT NULL`); n != 0 {
		t.Fatalf("%d self-criticisms half moved", n)
	}
	return MustCount(t, raw, `SELECT COUNT(*) FROM attachments WHERE blob_key IS NOT NULL`) +
		MustCount(t, raw, `SELECT COUNT(*) FROM self_criticisms WHERE blob_key IS NOT NULL`)
}

func TestDB_MoveFilesOut(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		ctx := context.Background()
		office := sqldbtest.As(users["office"])
		files := legacyAttachments(t, db, users, 9)
		pdf := []byte(testPDF)
		scID := legacySelfCriticism(t, db, users, pdf)

		// Not yet moved: read from the database.
		for id, want := range files {
			_, data, err := openAttachment(db, office, id, false)
			MustOK(t, err)
			if !bytes.Equal(data, want) {
				t.Fatalf("legacy attachment %d read back differs", id)
			}
		}
		if keys := blobKeys(t, db); len(keys) != 0 {
			t.Fatalf("keys before the move: %v", keys)
		}
		if n, err := db.FilesToMove(ctx); err != nil || n != 10 {
			t.Fatalf("FilesToMove: %d, %v; want 10", n, err)
		}

		// Interrupted: the store stops answering after 7 puts, in the
		// second batch of 3 rows (5 photos have a thumbnail each).
		db.SetMoveBatchForTest(3)
		store := db.Blobs
		db.Blobs = &flakyStore{Store: store, left: 7}
		var told [][2]int
		err := db.MoveFilesOut(ctx, func(done, total int) { told = append(told, [2]int{done, total}) })
		if !errors.Is(err, blobs.ErrUnavailable) {
			t.Fatalf("interrupted move: %v", err)
		}
		moved := checkMoved(t, db)
		if moved != 3 || len(told) != 1 || told[0] != [2]int{3, 10} {
			t.Fatalf("after the interruption: %d moved, progress %v; want 3, [[3 10]]", moved, told)
		}
		if n, _ := db.FilesToMove(ctx); n != 7 {
			t.Fatalf("FilesToMove after the interruption: %d, want 7", n)
		}

		// The rerun continues and moves the rest.
		db.Blobs = store
		told = nil
		MustOK(t, db.MoveFilesOut(ctx, func(done, total int) { told = append(told, [2]int{done, total}) }))
		if moved := checkMoved(t, db); moved != 10 {
			t.Fatalf("after the rerun: %d moved, want 10", moved)
		}
		if last := told[len(told)-1]; last != [2]int{7, 7} {
			t.Fatalf("rerun progress %v", told)
		}
		raw := MustRaw(t, db)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM attachments WHERE data IS NOT NULL OR thumb IS NOT NULL`); n != 0 {
			t.Fatalf("%d attachments keep bytes in the database", n)
		}
		for id, want := range files {
			a, data, err := openAttachment(db, office, id, false)
			MustOK(t, err)
			if !bytes.Equal(data, want) {
				t.Fatalf("moved attachment %d read back differs", id)
			}
			if a.HasThumb {
				if _, th, err := openAttachment(db, office, id, true); err != nil || len(th) == 0 {
					t.Fatalf("moved thumbnail of %d: %v", id, err)
				}
			}
		}
		_, rc, err := db.Reports.OpenSelfCriticism(office, scID)
		MustOK(t, err)
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, pdf) {
			t.Fatalf("moved self-criticism: %q", got)
		}
		// Every key the database names is in the store.
		keys := blobKeys(t, db)
		if len(keys) != 9+5+1 {
			t.Fatalf("BlobKeys: %d keys, want 15 (9 files, 5 thumbnails, 1 self-criticism)", len(keys))
		}
		for _, k := range keys {
			if _, err := db.Blobs.Stat(ctx, k); err != nil {
				t.Fatalf("%s: %v", k, err)
			}
		}

		// Once more: nothing left, nothing told.
		told = nil
		MustOK(t, db.MoveFilesOut(ctx, func(done, total int) { told = append(told, [2]int{done, total}) }))
		if len(told) != 0 {
			t.Fatalf("a third run moved %v", told)
		}
	})
}

func TestDB_MoveFilesOut_NoStore(t *testing.T) {
	db := sqldbtest.Open(t, "sqlite")
	db.Blobs = nil
	MustCode(t, db.MoveFilesOut(context.Background(), nil), sanlian.EUNAVAILABLE)
}

func TestSelfCriticism_Blobs(t *testing.T) {
	eachSmall(t, func(t *testing.T, db *sqldb.DB, users map[string]*sanlian.User) {
		office := sqldbtest.As(users["office"])
		id := legacySelfCriticism(t, db, users, []byte(testPDF))
		raw := MustRaw(t, db)
		// Refiled as a unit admin: the file goes to the store.
		MustOK(t, db.ExecForTest(`UPDATE self_criticisms SET filed_at = NULL, data = NULL WHERE id = ?`, id))
		admin := sqldbtest.As(users["unitadmin"])
		store := db.Blobs
		db.Blobs = &flakyStore{Store: store, left: 0}
		_, err := db.Reports.FileSelfCriticism(admin, id, "检讨.pdf", strings.NewReader(testPDF), 0)
		MustCode(t, err, sanlian.EUNAVAILABLE)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM self_criticisms WHERE filed_at IS NOT NULL`); n != 0 {
			t.Fatal("filed although the store failed")
		}
		db.Blobs = store
		_, err = db.Reports.FileSelfCriticism(admin, id, "检讨.pdf", strings.NewReader(testPDF), 0)
		MustOK(t, err)
		if n := MustCount(t, raw, `SELECT COUNT(*) FROM self_criticisms WHERE blob_key IS NOT NULL AND data IS NULL`); n != 1 {
			t.Fatal("the self-criticism's file is not in the store")
		}
		_, rc, err := db.Reports.OpenSelfCriticism(office, id)
		MustOK(t, err)
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != testPDF {
			t.Fatalf("read back %q", got)
		}
		MustOK(t, store.Delete(context.Background(), blobs.Key([]byte(testPDF))))
		_, _, err = db.Reports.OpenSelfCriticism(office, id)
		MustCode(t, err, sanlian.ENOTFOUND)
		if !strings.Contains(sanlian.ErrorMessage(err), "书面检讨「检讨.pdf」的文件在文件存储中缺失") {
			t.Errorf("missing: %q", sanlian.ErrorMessage(err))
		}
	})
}
