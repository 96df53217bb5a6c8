package sanlian

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Attachment kinds: evidence on the problem as entered, or on its
// resolution; a photo taken on a visit or at a volunteer activity; or
// evidence of a service project's progress.
const (
	AttachProblem    = "problem"
	AttachResolution = "resolution"
	AttachVisit      = "visit"
	AttachActivity   = "activity"
	AttachEvidence   = "evidence"
)

// Attachment is a photo or document on a problem, a photo of a visit or of
// a volunteer activity, or evidence of a project's progress, stored in the
// database so that every node sees it. Exactly one of ProblemID, VisitID,
// ActivityID and ProgressID is set, the one its Kind names.
type Attachment struct {
	ID          int64     `json:"id"`
	ProblemID   int64     `json:"problem_id,omitempty"`
	VisitID     int64     `json:"visit_id,omitempty"`
	ActivityID  int64     `json:"activity_id,omitempty"`
	ProgressID  int64     `json:"progress_id,omitempty"`
	Kind        string    `json:"kind"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"` // detected from the content, never from the name
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	HasThumb    bool      `json:"has_thumb"`
	CreatedBy   int64     `json:"created_by,omitempty"`
	Creator     string    `json:"creator,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// AttachmentService keeps the attachments of problems and the photos of
// visits and volunteer activities. Reads follow the scope of the problem,
// the visit or the activity.
type AttachmentService interface {
	// AddAttachment stores one file of at most max bytes. Returns ETOOLARGE,
	// EUNPROCESSABLE (a type not accepted), ENOTFOUND, EFORBIDDEN.
	AddAttachment(ctx context.Context, problemID int64, kind, filename string, r io.Reader, max int64) (*Attachment, error)
	// FindAttachments lists a problem's attachments, oldest first.
	FindAttachments(ctx context.Context, problemID int64) ([]*Attachment, error)
	// AddVisitPhoto stores one picture (JPEG, PNG, GIF or WebP) of at most
	// max bytes on a visit. Returns ETOOLARGE, EUNPROCESSABLE (not a
	// picture), ENOTFOUND, EFORBIDDEN.
	AddVisitPhoto(ctx context.Context, visitID int64, filename string, r io.Reader, max int64) (*Attachment, error)
	// FindVisitPhotos lists a visit's photos, oldest first. Returns
	// ENOTFOUND when the visit is out of the caller's scope.
	FindVisitPhotos(ctx context.Context, visitID int64) ([]*Attachment, error)
	// AddActivityPhoto stores one picture (JPEG, PNG, GIF or WebP) of at
	// most max bytes on a volunteer activity; whoever may edit the activity
	// may add its photos. Returns ETOOLARGE, EUNPROCESSABLE (not a
	// picture), ENOTFOUND, EFORBIDDEN.
	AddActivityPhoto(ctx context.Context, activityID int64, filename string, r io.Reader, max int64) (*Attachment, error)
	// FindActivityPhotos lists an activity's photos, oldest first. Returns
	// ENOTFOUND when the activity is out of the caller's scope.
	FindActivityPhotos(ctx context.Context, activityID int64) ([]*Attachment, error)
	// OpenAttachment returns an attachment and its bytes (its thumbnail's
	// when thumb is set), under the scope of what it belongs to.
	OpenAttachment(ctx context.Context, id int64, thumb bool) (*Attachment, []byte, error)
}

// photoTypes names the pictures a visit or an activity accepts, for
// messages.
const photoTypes = "照片只接收 JPEG、PNG、GIF、WebP 格式的图片"

// CheckPhoto is CheckUpload for the photos of a visit or an activity:
// pictures only. A
// document or anything else is refused with EUNPROCESSABLE saying so.
func CheckPhoto(filename string, data []byte, max int64) (string, *FileType, error) {
	name, ft, err := CheckUpload(filename, data, max)
	if code := ErrorCode(err); code == ETOOLARGE || (err == nil && ft.Image) {
		return name, ft, err
	}
	t, seems := DetectFileType(data)
	switch {
	case seems == "空文件":
		return "", nil, err
	case t != nil && !t.Image:
		seems = t.Label
	case t != nil: // a picture refused for its name
		return "", nil, err
	}
	n := SanitizeFilename(filename)
	return "", nil, &Error{Code: EUNPROCESSABLE, Message: fmt.Sprintf("「%s」是%s，不是照片。%s", n, seems, photoTypes),
		Fields: map[string]string{"file": photoTypes}}
}
