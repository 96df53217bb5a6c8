package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"sanlian"
)

// thumbSlots bounds how many images are decoded at once: a 40-megapixel
// PNG takes up to 320 MB while it is turned into a thumbnail, and a
// county's field cadres upload their photos at the same hours.
var thumbSlots = make(chan struct{}, 2)

// makeThumbnail draws data's thumbnail when a slot is free.
func makeThumbnail(ctx context.Context, data []byte, ft *sanlian.FileType) ([]byte, error) {
	if !ft.Thumb {
		return nil, nil
	}
	select {
	case thumbSlots <- struct{}{}:
		defer func() { <-thumbSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return sanlian.Thumbnail(data, ft)
}

const attachmentCols = `a.id, a.problem_id, a.kind, a.filename, a.content_type, a.size, a.sha256,
	CASE WHEN a.thumb IS NULL THEN 0 ELSE 1 END, COALESCE(a.created_by, 0),
	COALESCE(NULLIF(u.display_name, ''), u.username, ''), a.created_at`

const attachmentFrom = ` FROM attachments a LEFT JOIN users u ON u.id = a.created_by`

func scanAttachment(sc scanner, extra ...any) (*sanlian.Attachment, error) {
	a := &sanlian.Attachment{}
	var thumb int
	err := sc.Scan(append([]any{&a.ID, &a.ProblemID, &a.Kind, &a.Filename, &a.ContentType, &a.Size, &a.SHA256,
		&thumb, &a.CreatedBy, &a.Creator, &a.CreatedAt}, extra...)...)
	a.HasThumb = thumb == 1
	return a, err
}

// AddAttachment implements sanlian.AttachmentService. The file is read,
// checked and thumbnailed before the write transaction begins, so that the
// single SQLite writer is never held while an image decodes.
func (db *DB) AddAttachment(ctx context.Context, problemID int64, kind, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleUnitAdmin, sanlian.RoleCadre:
	default:
		return nil, errForbidden("您的角色不能上传附件")
	}
	if kind != sanlian.AttachProblem && kind != sanlian.AttachResolution {
		return nil, sanlian.FieldErrors(map[string]string{"kind": "附件类别须为 problem（问题材料）或 resolution（办结佐证）"})
	}
	if _, err := db.findProblem(q, s, problemID); err != nil {
		return nil, err
	}
	if max <= 0 {
		max = sanlian.DefaultMaxUpload
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("add attachment to problem %d: read: %w", problemID, err)
	}
	name, ft, err := sanlian.CheckUpload(filename, data, max)
	if err != nil {
		return nil, err
	}
	thumb, err := makeThumbnail(ctx, data, ft)
	if err != nil {
		if sanlian.ErrorCode(err) == sanlian.EUNPROCESSABLE {
			err = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "「" + name + "」：" + sanlian.ErrorMessage(err),
				Fields: map[string]string{"file": sanlian.ErrorMessage(err)}}
		}
		return nil, err
	}
	sum := sha256.Sum256(data)
	a := &sanlian.Attachment{ProblemID: problemID, Kind: kind, Filename: name, ContentType: ft.ContentType, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), HasThumb: thumb != nil, CreatedBy: s.user.ID, Creator: s.user.DisplayName}
	if a.Creator == "" {
		a.Creator = s.user.Username
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if _, err := db.findProblem(tx, s, problemID); err != nil {
			return err
		}
		var thumbArg any
		if thumb != nil {
			thumbArg = thumb
		}
		a.CreatedAt = tx.now
		id, err := tx.insertID(`INSERT INTO attachments (problem_id, kind, filename, content_type, size, sha256, created_by, created_at, thumb, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, problemID, kind, name, a.ContentType, a.Size, a.SHA256, nullInt(s.user.ID), tx.now, thumbArg, data)
		if err != nil {
			return fmt.Errorf("add attachment to problem %d: %w", problemID, err)
		}
		a.ID = id
		return tx.audit("create", "attachment", a.ID, changes{"problem_id": {nil, problemID}, "kind": {nil, kind},
			"filename": {nil, name}, "size": {nil, a.Size}, "type": {nil, a.ContentType}, "sha256": {nil, a.SHA256}})
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// FindAttachments implements sanlian.AttachmentService. Like the timeline,
// the list includes the attachments of problems merged into this one.
func (db *DB) FindAttachments(ctx context.Context, problemID int64) ([]*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if _, err := db.findProblem(q, s, problemID); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+attachmentCols+attachmentFrom+`
		WHERE a.problem_id = ? OR a.problem_id IN (SELECT id FROM problems WHERE merged_into = ?) ORDER BY a.id`, problemID, problemID)
	if err != nil {
		return nil, fmt.Errorf("find attachments of problem %d: %w", problemID, err)
	}
	defer rows.Close()
	out := []*sanlian.Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, fmt.Errorf("find attachments of problem %d: %w", problemID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAttachment implements sanlian.AttachmentService. The caller must see
// the attachment's problem, or the problem it was merged into.
func (db *DB) OpenAttachment(ctx context.Context, id int64, thumb bool) (*sanlian.Attachment, []byte, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	var problemID, mergedInto int64
	err = q.queryOne(`SELECT a.problem_id, COALESCE(p.merged_into, 0) FROM attachments a JOIN problems p ON p.id = a.problem_id
		WHERE a.id = ?`, id).Scan(&problemID, &mergedInto)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errNotFound("附件")
	} else if err != nil {
		return nil, nil, fmt.Errorf("open attachment %d: %w", id, err)
	}
	_, err = db.findProblem(q, s, problemID)
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND && mergedInto != 0 {
		_, err = db.findProblem(q, s, mergedInto)
	}
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		return nil, nil, errNotFound("附件")
	} else if err != nil {
		return nil, nil, err
	}
	col := "a.data"
	if thumb {
		col = "a.thumb"
	}
	var data []byte
	a, err := scanAttachment(q.queryOne(`SELECT `+attachmentCols+`, `+col+attachmentFrom+` WHERE a.id = ?`, id), &data)
	if err != nil {
		return nil, nil, fmt.Errorf("open attachment %d: %w", id, err)
	}
	if thumb && data == nil {
		return nil, nil, sanlian.Errorf(sanlian.ENOTFOUND, "该附件没有缩略图")
	}
	return a, data, nil
}
