package sqldb

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"sanlian/blobs"
)

// fileTable is a table whose rows carry a file: the file in data until it
// is moved to the blob store, its key in blob_key after; thumb and
// thumb_key likewise when the table keeps thumbnails.
type fileTable struct {
	name   string
	thumbs bool
}

// fileTables are the tables MoveFilesOut empties and BlobKeys reads.
var fileTables = []fileTable{{name: "attachments", thumbs: true}, {name: "self_criticisms"}}

// moveBatch is how many rows MoveFilesOut moves a transaction.
const moveBatch = 100

// FilesToMove counts the rows whose file is still in the database.
func (db *DB) FilesToMove(ctx context.Context) (int, error) {
	total := 0
	for _, t := range fileTables {
		var n int
		if err := db.reader(ctx).queryOne(`SELECT COUNT(*) FROM ` + t.name + ` WHERE blob_key IS NULL AND data IS NOT NULL`).Scan(&n); err != nil {
			return 0, fmt.Errorf("count files to move in %s: %w", t.name, err)
		}
		total += n
	}
	return total, nil
}

// MoveFilesOut moves every file still kept in the database (attachments,
// their thumbnails, self-criticisms) to the blob store, in batches: each
// file of a batch is put first, then one transaction sets the keys and
// empties data, on rows still unmoved. A crash or a store failing half-way
// leaves each row moved or untouched (the blobs of an unfinished batch are
// harmless orphans, put again by the next run), so a rerun continues.
// progress, when set, is told after each batch.
func (db *DB) MoveFilesOut(ctx context.Context, progress func(done, total int)) error {
	if db.Blobs == nil {
		return errNoBlobs
	}
	total, err := db.FilesToMove(ctx)
	if err != nil {
		return err
	}
	done := 0
	for _, t := range fileTables {
		var after int64
		for {
			n, last, err := db.moveBatch(ctx, t, after)
			if err != nil {
				return err
			}
			if last == 0 {
				break
			}
			after = last
			done += n
			if progress != nil {
				progress(min(done, total), max(total, done))
			}
		}
	}
	return nil
}

// moved is one row's keys, its files put.
type moved struct {
	id            int64
	key, thumbKey string
}

// moveBatch moves the files of up to moveBatch unmoved rows of t with an
// id above after. It returns how many it moved and the last id it looked
// at, 0 when none was left.
func (db *DB) moveBatch(ctx context.Context, t fileTable, after int64) (int, int64, error) {
	var ids []int64
	err := eachRow(db.reader(ctx), `SELECT id FROM `+t.name+` WHERE blob_key IS NULL AND data IS NOT NULL AND id > ? ORDER BY id LIMIT ?`,
		[]any{after, cmp.Or(db.moveRows, moveBatch)}, func(sc scanner) error {
			var id int64
			err := sc.Scan(&id)
			ids = append(ids, id)
			return err
		})
	if err != nil {
		return 0, 0, fmt.Errorf("move files of %s: %w", t.name, err)
	}
	if len(ids) == 0 {
		return 0, 0, nil
	}
	cols := "data, NULL"
	if t.thumbs {
		cols = "data, thumb"
	}
	var batch []moved
	for _, id := range ids {
		// One row's bytes at a time: a batch of photos would not fit in
		// memory together.
		var data, thumb []byte
		err := db.reader(ctx).queryOne(`SELECT `+cols+` FROM `+t.name+` WHERE id = ? AND blob_key IS NULL AND data IS NOT NULL`, id).
			Scan(&data, &thumb)
		if errors.Is(err, sql.ErrNoRows) { // moved meanwhile (a server's upload or another run)
			continue
		} else if err != nil {
			return 0, 0, fmt.Errorf("move file of %s %d: %w", t.name, id, err)
		}
		m := moved{id: id}
		if m.key, err = db.putMoved(ctx, t, id, data); err != nil {
			return 0, 0, err
		}
		if thumb != nil {
			if m.thumbKey, err = db.putMoved(ctx, t, id, thumb); err != nil {
				return 0, 0, err
			}
		}
		batch = append(batch, m)
	}
	n := 0
	err = db.inTx(ctx, func(tx *Tx) error {
		n = 0
		for _, m := range batch {
			q := `UPDATE ` + t.name + ` SET blob_key = ?, data = NULL WHERE id = ? AND blob_key IS NULL`
			args := []any{m.key, m.id}
			if t.thumbs {
				q = `UPDATE ` + t.name + ` SET blob_key = ?, thumb_key = ?, data = NULL, thumb = NULL WHERE id = ? AND blob_key IS NULL`
				args = []any{m.key, nullStr(m.thumbKey), m.id}
			}
			res, err := tx.exec(q, args...)
			if err != nil {
				return fmt.Errorf("move file of %s %d: %w", t.name, m.id, err)
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += int(k)
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return n, ids[len(ids)-1], nil
}

// putMoved puts one file of a row being moved.
func (db *DB) putMoved(ctx context.Context, t fileTable, id int64, data []byte) (string, error) {
	key := blobs.Key(data)
	if err := db.Blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", fmt.Errorf("move file of %s %d to %s: %w", t.name, id, db.Blobs, err)
	}
	return key, nil
}

// BlobKeys calls fn once for every blob key the database refers to (files
// and thumbnails), in key order, so that a check can verify each is in
// the store. The keys are read first, so no read transaction stays open
// while fn runs.
func (db *DB) BlobKeys(ctx context.Context, fn func(key string) error) error {
	seen := map[string]bool{}
	for _, t := range fileTables {
		q := `SELECT blob_key FROM ` + t.name + ` WHERE blob_key IS NOT NULL`
		if t.thumbs {
			q += ` UNION SELECT thumb_key FROM ` + t.name + ` WHERE thumb_key IS NOT NULL`
		}
		err := eachRow(db.reader(ctx), q, nil, func(sc scanner) error {
			var k string
			err := sc.Scan(&k)
			seen[k] = true
			return err
		})
		if err != nil {
			return fmt.Errorf("blob keys of %s: %w", t.name, err)
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(k); err != nil {
			return err
		}
	}
	return nil
}
