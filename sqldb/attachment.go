package sqldb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"sanlian"
	"sanlian/blobs"
	"sanlian/media"
)

// thumbSlots bounds how many images are decoded at once: a 40-megapixel
// PNG takes up to 320 MB while it is turned into a thumbnail, and a
// county's field cadres upload their photos at the same hours.
var thumbSlots = make(chan struct{}, 2)

// makeThumbnail draws data's thumbnail when a slot is free.
func makeThumbnail(ctx context.Context, data []byte, ft *media.FileType) ([]byte, error) {
	if !ft.Thumb {
		return nil, nil
	}
	select {
	case thumbSlots <- struct{}{}:
		defer func() { <-thumbSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return media.Thumbnail(data, ft)
}

const attachmentCols = `a.id, COALESCE(a.problem_id, 0), COALESCE(a.visit_id, 0), COALESCE(a.activity_id, 0), COALESCE(a.progress_id, 0), a.kind, a.filename, a.content_type, a.size, a.sha256,
	CASE WHEN a.thumb IS NULL AND a.thumb_key IS NULL THEN 0 ELSE 1 END, COALESCE(a.created_by, 0),
	COALESCE(NULLIF(u.display_name, ''), u.username, ''), a.created_at`

const attachmentFrom = ` FROM attachments a LEFT JOIN users u ON u.id = a.created_by`

func scanAttachment(sc scanner, extra ...any) (*sanlian.Attachment, error) {
	a := &sanlian.Attachment{}
	var thumb int
	err := sc.Scan(append([]any{&a.ID, &a.ProblemID, &a.VisitID, &a.ActivityID, &a.ProgressID, &a.Kind, &a.Filename, &a.ContentType, &a.Size, &a.SHA256,
		&thumb, &a.CreatedBy, &a.Creator, &a.CreatedAt}, extra...)...)
	a.HasThumb = thumb == 1
	return a, err
}

// upload is a file read, checked, thumbnailed and put in the blob store,
// ready to be written.
type upload struct {
	name     string
	ft       *media.FileType
	data     []byte
	thumb    []byte
	sum      string
	key      string // the file's blob key
	thumbKey string // the thumbnail's, "" without one
}

// checkUpload tells what a file is (media.Sniff) and decides whether it
// may be stored (sanlian.CheckUpload).
func checkUpload(filename string, data []byte, max int64) (*media.File, error) {
	f := media.Sniff(filename, data)
	return f, sanlian.CheckUpload(f.Name, f.Size, max, f.Seems, f.RiskyExt)
}

// checkPhoto is checkUpload for pictures only (sanlian.CheckPhoto).
func checkPhoto(filename string, data []byte, max int64) (*media.File, error) {
	f := media.Sniff(filename, data)
	return f, sanlian.CheckPhoto(f.Name, f.Size, max, f.Seems, f.RiskyExt, f.NotPicture())
}

// readUpload reads at most max bytes of r and checks them with check
// (checkUpload, or checkPhoto for pictures only), draws the thumbnail and
// puts both in the blob store. It runs before any write transaction
// begins, so that the single SQLite writer is never held while an image
// decodes or a file travels to the store. The keys are content addresses:
// if the row is then not written, the blobs left are harmless orphans, and
// a retry puts the same keys again.
func (db *DB) readUpload(ctx context.Context, filename string, r io.Reader, max int64,
	check func(string, []byte, int64) (*media.File, error)) (*upload, error) {
	if max <= 0 {
		max = sanlian.DefaultMaxUpload
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	f, err := check(filename, data, max)
	if err != nil {
		return nil, err
	}
	name, ft := f.Stored, f.Type
	thumb, err := makeThumbnail(ctx, data, ft)
	if err != nil {
		var ie *media.ImageError
		if errors.As(err, &ie) {
			err = &sanlian.Error{Code: sanlian.EUNPROCESSABLE, Message: "「" + name + "」：" + ie.Message,
				Fields: map[string]string{"file": ie.Message}}
		}
		return nil, err
	}
	sum := sha256.Sum256(data)
	up := &upload{name: name, ft: ft, data: data, thumb: thumb, sum: hex.EncodeToString(sum[:])}
	if up.key, err = db.putBlob(ctx, name, data); err != nil {
		return nil, err
	}
	if thumb != nil {
		if up.thumbKey, err = db.putBlob(ctx, name, thumb); err != nil {
			return nil, err
		}
	}
	return up, nil
}

// errNoBlobs refuses a file when the deployment has no blob store.
var errNoBlobs = sanlian.Errorf(sanlian.EUNAVAILABLE, "未配置文件存储，无法保存或读取文件，请联系管理员")

// putBlob stores data under its content address. A store that fails is
// EUNAVAILABLE in Chinese, naming the file; nothing is written then.
func (db *DB) putBlob(ctx context.Context, name string, data []byte) (string, error) {
	if db.Blobs == nil {
		return "", errNoBlobs
	}
	key := blobs.Key(data)
	if err := db.Blobs.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("put %s: %v: %w", key, err,
			sanlian.Errorf(sanlian.EUNAVAILABLE, "文件存储暂不可用，「%s」未能保存，请稍后重新上传", name))
	}
	return key, nil
}

// openBlob streams the blob under key. A blob missing from the store is
// ENOTFOUND and a store that does not answer EUNAVAILABLE, both in
// Chinese naming what, so a page shows why instead of an internal error.
func (db *DB) openBlob(ctx context.Context, what, key string) (io.ReadCloser, error) {
	if db.Blobs == nil {
		return nil, errNoBlobs
	}
	rc, err := db.Blobs.Open(ctx, key)
	switch {
	case err == nil:
		return rc, nil
	case errors.Is(err, blobs.ErrNotFound):
		return nil, fmt.Errorf("open %s: %v: %w", key, err,
			sanlian.Errorf(sanlian.ENOTFOUND, "%s的文件在文件存储中缺失，请联系管理员从备份恢复", what))
	case ctx.Err() != nil:
		return nil, ctx.Err()
	}
	return nil, fmt.Errorf("open %s: %v: %w", key, err,
		sanlian.Errorf(sanlian.EUNAVAILABLE, "文件存储暂不可用，%s暂时无法打开，请稍后重试", what))
}

// memFile is a file still kept in the database, served as the store's
// are: it can seek, so a download may ask for a range.
type memFile struct{ *bytes.Reader }

func (memFile) Close() error { return nil }

// attachment is the row an upload becomes, before it has an id. An owner
// other than a problem or a visit (ActivityID, ProgressID) is set by the
// caller.
func (up *upload) attachment(s *scope, problemID, visitID int64, kind string) *sanlian.Attachment {
	a := &sanlian.Attachment{ProblemID: problemID, VisitID: visitID, Kind: kind, Filename: up.name, ContentType: up.ft.ContentType,
		Size: int64(len(up.data)), SHA256: up.sum, HasThumb: up.thumb != nil, CreatedBy: s.user.ID, Creator: s.user.DisplayName}
	if a.Creator == "" {
		a.Creator = s.user.Username
	}
	return a
}

// attachmentOwner names the column of a's owner and its id.
func attachmentOwner(a *sanlian.Attachment) (col string, id int64) {
	switch {
	case a.VisitID != 0:
		return "visit_id", a.VisitID
	case a.ActivityID != 0:
		return "activity_id", a.ActivityID
	case a.ProgressID != 0:
		return "progress_id", a.ProgressID
	}
	return "problem_id", a.ProblemID
}

// insertAttachment writes a with the keys of its blobs, and audits it
// under the name of its owner (problem_id, visit_id, activity_id or
// progress_id).
func insertAttachment(tx *Tx, a *sanlian.Attachment, up *upload) error {
	a.CreatedAt = tx.now
	id, err := tx.insertID(`INSERT INTO attachments (problem_id, visit_id, activity_id, progress_id, kind, filename, content_type, size,
		sha256, created_by, created_at, blob_key, thumb_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullInt(a.ProblemID), nullInt(a.VisitID), nullInt(a.ActivityID), nullInt(a.ProgressID), a.Kind, a.Filename, a.ContentType, a.Size,
		a.SHA256, nullInt(a.CreatedBy), tx.now, up.key, nullStr(up.thumbKey))
	if err != nil {
		return fmt.Errorf("add attachment %q: %w", a.Filename, err)
	}
	a.ID = id
	ch := changes{"kind": {nil, a.Kind}, "filename": {nil, a.Filename}, "size": {nil, a.Size}, "type": {nil, a.ContentType}, "sha256": {nil, a.SHA256}}
	col, owner := attachmentOwner(a)
	ch[col] = [2]any{nil, owner}
	return tx.audit("create", "attachment", a.ID, ch)
}

// AddAttachment implements sanlian.AttachmentService. Attaching needs the
// right to act on the problem in its present state (sanlian.MayAttach),
// checked before the file is read and again in the transaction that
// writes it, on the problem locked.
func (db *ProblemStore) AddAttachment(ctx context.Context, problemID int64, kind, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := db.mayAttach(q, s, problemID, kind, db.findProblem); err != nil {
		return nil, err
	}
	up, err := db.readUpload(ctx, filename, r, max, checkUpload)
	if err != nil {
		return nil, fmt.Errorf("add attachment to problem %d: %w", problemID, err)
	}
	a := up.attachment(s, problemID, 0, kind)
	err = db.inTx(ctx, func(tx *Tx) error {
		lock := func(_ querier, s *scope, id int64) (*sanlian.Problem, error) { return db.lockProblem(tx, s, id) }
		if err := db.mayAttach(tx, s, problemID, kind, lock); err != nil {
			return err
		}
		return insertAttachment(tx, a, up)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// mayAttach reads the problem (in s's scope, with read) and its co-units
// and applies sanlian.MayAttach.
func (db *ProblemStore) mayAttach(q querier, s *scope, problemID int64, kind string,
	read func(querier, *scope, int64) (*sanlian.Problem, error)) error {
	p, err := read(q, s, problemID)
	if err != nil {
		return err
	}
	if p.CoUnits, err = db.Org.coUnitsOf(q, nil, problemID); err != nil {
		return err
	}
	mine, err := db.Org.partUnits(q, s)
	if err != nil {
		return err
	}
	return sanlian.MayAttach(s.user, p, mine, kind)
}

// AttachKinds implements sanlian.AttachmentService.
func (db *ProblemStore) AttachKinds(ctx context.Context, problemID int64) ([]string, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range []string{sanlian.AttachProblem, sanlian.AttachResolution} {
		switch err := db.mayAttach(q, s, problemID, k, db.findProblem); sanlian.ErrorCode(err) {
		case "":
			out = append(out, k)
		case sanlian.EFORBIDDEN, sanlian.EUNPROCESSABLE:
		default:
			return nil, err
		}
	}
	return out, nil
}

// mayAddVisitPhoto decides who adds photos to a visit they can see: the
// office, a unit admin for the visits of its units, a cadre for their own
// (their scope), and a leader only for the visits they made or went on.
func mayAddVisitPhoto(s *scope, v *sanlian.Visit) error {
	switch s.role() {
	case sanlian.RoleOffice, sanlian.RoleUnitAdmin, sanlian.RoleCadre:
		return nil
	case sanlian.RoleLeader:
		if v.CreatedBy == s.user.ID || v.CadreID == s.user.CadreID {
			return nil
		}
		for _, c := range v.Visitors {
			if c == s.user.CadreID {
				return nil
			}
		}
		return errForbidden("只能为自己参加的走访上传照片")
	}
	return errForbidden("您的角色不能上传照片")
}

// mayAddActivityPhoto lets whoever may edit the activity add its photos:
// the office, and a unit admin for the activities of its units.
func mayAddActivityPhoto(s *scope, a *sanlian.Activity) error {
	switch {
	case s.office():
		return nil
	case s.role() == sanlian.RoleUnitAdmin && s.hasUnit(a.UnitID):
		return nil
	case s.role() == sanlian.RoleUnitAdmin:
		return errForbidden("只能为本单位或下属单位的志愿服务活动上传照片")
	}
	return errForbidden("只有县办公室和组织活动的单位可以上传活动照片")
}

// photoOwner is what photos are added to: a visit or a volunteer activity.
type photoOwner struct {
	kind string // sanlian.AttachVisit or sanlian.AttachActivity
	name string // for errors: "visit", "activity"
	col  string // the attachments column naming it
	id   int64
	// check finds the owner in the caller's scope (ENOTFOUND outside it)
	// and, when write is set, refuses a caller who may not add to it.
	check func(q querier, s *scope, write bool) error
}

func visitPhotos(db *DB, id int64) photoOwner {
	return photoOwner{kind: sanlian.AttachVisit, name: "visit", col: "visit_id", id: id, check: func(q querier, s *scope, write bool) error {
		v, err := db.Work.findVisit(q, s, id)
		if err != nil || !write {
			return err
		}
		return mayAddVisitPhoto(s, v)
	}}
}

func activityPhotos(db *DB, id int64) photoOwner {
	return photoOwner{kind: sanlian.AttachActivity, name: "activity", col: "activity_id", id: id, check: func(q querier, s *scope, write bool) error {
		a, err := db.Work.findActivity(q, s, id)
		if err != nil || !write {
			return err
		}
		return mayAddActivityPhoto(s, a)
	}}
}

// addPhoto stores one picture on o: the owner is checked, the file read,
// checked and thumbnailed outside any transaction, then the owner checked
// again in the transaction that writes the row and its audit.
func (db *ProblemStore) addPhoto(ctx context.Context, o photoOwner, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := o.check(q, s, true); err != nil {
		return nil, err
	}
	up, err := db.readUpload(ctx, filename, r, max, checkPhoto)
	if err != nil {
		return nil, fmt.Errorf("add photo to %s %d: %w", o.name, o.id, err)
	}
	a := up.attachment(s, 0, 0, o.kind)
	if o.kind == sanlian.AttachActivity {
		a.ActivityID = o.id
	} else {
		a.VisitID = o.id
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		if err := o.check(tx, s, true); err != nil {
			return err
		}
		return insertAttachment(tx, a, up)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// findPhotos lists the photos of o, oldest first, when the caller sees o.
func (db *ProblemStore) findPhotos(ctx context.Context, o photoOwner) ([]*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := o.check(q, s, false); err != nil {
		return nil, err
	}
	out, err := readAttachments(ctx, db.DB, `WHERE a.`+o.col+` = ? ORDER BY a.id`, o.id)
	if err != nil {
		return nil, fmt.Errorf("find photos of %s %d: %w", o.name, o.id, err)
	}
	return out, nil
}

// AddVisitPhoto implements sanlian.AttachmentService.
func (db *ProblemStore) AddVisitPhoto(ctx context.Context, visitID int64, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	return db.addPhoto(ctx, visitPhotos(db.DB, visitID), filename, r, max)
}

// FindVisitPhotos implements sanlian.AttachmentService.
func (db *ProblemStore) FindVisitPhotos(ctx context.Context, visitID int64) ([]*sanlian.Attachment, error) {
	return db.findPhotos(ctx, visitPhotos(db.DB, visitID))
}

// AddActivityPhoto implements sanlian.AttachmentService.
func (db *ProblemStore) AddActivityPhoto(ctx context.Context, activityID int64, filename string, r io.Reader, max int64) (*sanlian.Attachment, error) {
	return db.addPhoto(ctx, activityPhotos(db.DB, activityID), filename, r, max)
}

// FindActivityPhotos implements sanlian.AttachmentService.
func (db *ProblemStore) FindActivityPhotos(ctx context.Context, activityID int64) ([]*sanlian.Attachment, error) {
	return db.findPhotos(ctx, activityPhotos(db.DB, activityID))
}

// readAttachments lists attachments without their bytes.
func readAttachments(ctx context.Context, db *DB, cond string, args ...any) ([]*sanlian.Attachment, error) {
	rows, err := db.query(ctx, `SELECT `+attachmentCols+attachmentFrom+` `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*sanlian.Attachment{}
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FindAttachments implements sanlian.AttachmentService. Like the timeline,
// the list includes the attachments of problems merged into this one.
func (db *ProblemStore) FindAttachments(ctx context.Context, problemID int64) ([]*sanlian.Attachment, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, err
	}
	if _, err := db.findProblem(q, s, problemID); err != nil {
		return nil, err
	}
	out, err := readAttachments(ctx, db.DB, `WHERE a.problem_id = ? OR a.problem_id IN (SELECT id FROM problems WHERE merged_into = ?) ORDER BY a.id`,
		problemID, problemID)
	if err != nil {
		return nil, fmt.Errorf("find attachments of problem %d: %w", problemID, err)
	}
	return out, nil
}

// OpenAttachment implements sanlian.AttachmentService. The caller must see
// what the attachment belongs to: its visit, its activity, or its problem
// or the problem that one was merged into.
func (db *ProblemStore) OpenAttachment(ctx context.Context, id int64, thumb bool) (*sanlian.Attachment, io.ReadCloser, int64, error) {
	q := db.reader(ctx)
	s, err := db.scopeOf(ctx, q)
	if err != nil {
		return nil, nil, 0, err
	}
	var kind string
	var problemID, visitID, activityID, progressID, mergedInto int64
	err = q.queryOne(`SELECT a.kind, COALESCE(a.problem_id, 0), COALESCE(a.visit_id, 0), COALESCE(a.activity_id, 0), COALESCE(a.progress_id, 0),
		COALESCE(p.merged_into, 0) FROM attachments a LEFT JOIN problems p ON p.id = a.problem_id WHERE a.id = ?`, id).Scan(&kind, &problemID,
		&visitID, &activityID, &progressID, &mergedInto)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, 0, errNotFound("附件")
	} else if err != nil {
		return nil, nil, 0, fmt.Errorf("open attachment %d: %w", id, err)
	}
	switch kind {
	case sanlian.AttachProblem, sanlian.AttachResolution:
		_, err = db.findProblem(q, s, problemID)
		if sanlian.ErrorCode(err) == sanlian.ENOTFOUND && mergedInto != 0 {
			_, err = db.findProblem(q, s, mergedInto)
		}
	case sanlian.AttachVisit:
		_, err = db.Work.findVisit(q, s, visitID)
	case sanlian.AttachActivity:
		_, err = db.Work.findActivity(q, s, activityID)
	case sanlian.AttachEvidence: // whoever reads the project
		_, err = db.Lists.findProgressEntry(q, s, progressID)
	default: // a kind this build does not know how to scope
		err = errNotFound("附件")
	}
	if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
		return nil, nil, 0, errNotFound("附件")
	} else if err != nil {
		return nil, nil, 0, err
	}
	cols := "a.data, a.blob_key"
	if thumb {
		cols = "a.thumb, a.thumb_key"
	}
	var data []byte
	var key sql.NullString
	a, err := scanAttachment(q.queryOne(`SELECT `+attachmentCols+`, `+cols+attachmentFrom+` WHERE a.id = ?`, id), &data, &key)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("open attachment %d: %w", id, err)
	}
	switch {
	case key.Valid:
		what, size := "附件「"+a.Filename+"」", a.Size
		if thumb {
			what, size = what+"缩略图", -1
		}
		rc, err := db.openBlob(ctx, what, key.String)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("open attachment %d: %w", id, err)
		}
		return a, rc, size, nil
	case data != nil: // not yet moved to the store
		return a, memFile{bytes.NewReader(data)}, int64(len(data)), nil
	case thumb:
		return nil, nil, 0, sanlian.Errorf(sanlian.ENOTFOUND, "该附件没有缩略图")
	}
	return nil, nil, 0, fmt.Errorf("open attachment %d: neither data nor a blob key", id)
}
