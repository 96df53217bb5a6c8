package sqldb_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"sanlian"
	"sanlian/sqldb"
	"sanlian/sqldb/sqldbtest"
)

// BenchmarkOpenAttachment reads a 10 MB attachment through
// OpenAttachment, streamed from the store and, for comparison, from a row
// an older version filled: B/op shows what a download holds in memory.
func BenchmarkOpenAttachment(b *testing.B) {
	db := sqldbtest.Open(b, "sqlite")
	users := sqldbtest.LoadSmall(b, db)
	cadre := sqldbtest.As(users["cadre"])
	p, err := db.Problems.CreateProblem(cadre, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
		Title: "村道塌方", Description: "村道塌方，群众反映强烈"})
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(strings.Repeat("走访记录，一行十个字。\n", 10<<20/31))
	stored, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "记录.txt", bytes.NewReader(data), 20<<20)
	if err != nil {
		b.Fatal(err)
	}
	legacy, err := db.Problems.AddAttachment(cadre, p.ID, sanlian.AttachProblem, "旧记录.txt", bytes.NewReader(append(data, '\n')), 20<<20)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.ExecForTest(`UPDATE attachments SET data = ?, blob_key = NULL WHERE id = ?`, append(data, '\n'), legacy.ID); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		id   int64
	}{{"Store", stored.ID}, {"Database", legacy.ID}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, rc, _, err := db.Problems.OpenAttachment(cadre, c.id, false)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, rc); err != nil {
					b.Fatal(err)
				}
				rc.Close()
			}
		})
	}
}

// BenchmarkMoveFilesOut moves 1,000 files of 100 KB each out of an SQLite
// database into a directory store, per op.
func BenchmarkMoveFilesOut(b *testing.B) {
	const files, size = 1000, 100 << 10
	for b.Loop() {
		b.StopTimer()
		db := sqldbtest.Open(b, "sqlite")
		users := sqldbtest.LoadSmall(b, db)
		cadre := sqldbtest.As(users["cadre"])
		p, err := db.Problems.CreateProblem(cadre, &sanlian.ProblemInput{Category: "transport", VillageCode: sqldbtest.VillageA,
			Title: "村道塌方", Description: "村道塌方，群众反映强烈"})
		if err != nil {
			b.Fatal(err)
		}
		legacyRows(b, db, p.ID, files, size)
		b.StartTimer()
		if err := db.MoveFilesOut(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n, _ := db.FilesToMove(context.Background()); n != 0 {
			b.Fatalf("%d left", n)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(files), "files/op")
}

// legacyRows inserts n attachments of size bytes each, kept in the
// database as before the file store.
func legacyRows(b *testing.B, db *sqldb.DB, problemID int64, n, size int) {
	b.Helper()
	for i := range n {
		data := bytes.Repeat([]byte(fmt.Sprintf("%07d\n", i)), size/8)
		if err := db.ExecForTest(`INSERT INTO attachments (problem_id, kind, filename, content_type, size, sha256, created_at, data)
			VALUES (?, 'problem', 'a.txt', 'text/plain', ?, '', CURRENT_TIMESTAMP, ?)`, problemID, len(data), data); err != nil {
			b.Fatal(err)
		}
	}
}
