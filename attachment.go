package sanlian

import (
	"context"
	"fmt"
	"io"
	"strings"
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
// a volunteer activity, or evidence of a project's progress, kept in the
// blob store (every node sees the same one) under its row's key. Exactly one of ProblemID, VisitID,
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
	// AddAttachment stores one file of at most max bytes on a problem the
	// caller may act on now (MayAttach). Returns ETOOLARGE, EUNPROCESSABLE
	// (a type not accepted, a kind the problem's state refuses), ENOTFOUND,
	// EFORBIDDEN.
	AddAttachment(ctx context.Context, problemID int64, kind, filename string, r io.Reader, max int64) (*Attachment, error)
	// AttachKinds lists the kinds of attachment the caller may add to a
	// problem now (sanlian.MayAttach), none when it may add nothing.
	// Returns ENOTFOUND when the problem is out of the caller's scope.
	AttachKinds(ctx context.Context, problemID int64) ([]string, error)
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
	// OpenAttachment returns an attachment and a stream of its bytes (its
	// thumbnail's when thumb is set) with their length (-1 when not known
	// ahead), under the scope of what it belongs to; the caller closes the
	// stream. Returns ENOTFOUND (also for a file missing from the blob
	// store), EUNAVAILABLE when the blob store does not answer.
	OpenAttachment(ctx context.Context, id int64, thumb bool) (*Attachment, io.ReadCloser, int64, error)
}

// DefaultMaxUpload is the size limit of one attachment when none is
// configured.
const DefaultMaxUpload = 10 << 20

// acceptedList is the sentence every refusal ends with.
const acceptedList = "仅接收照片（JPEG、PNG、GIF、WebP）、PDF、Word/Excel/PowerPoint/WPS 文档和纯文本文件"

// photoTypes names the pictures a visit or an activity accepts, for
// messages.
const photoTypes = "照片只接收 JPEG、PNG、GIF、WebP 格式的图片"

// CheckUpload decides whether a file may be stored, from what package
// media told of its name and bytes: at most max bytes (DefaultMaxUpload
// when max <= 0), content of a type sanlian accepts, and a name no computer
// would run or render. name is the sanitized filename the messages name;
// seems says, in Chinese, what content of a type not accepted seems to be
// ("" when its type is accepted); riskyExt is the name's extension when it
// is a program's, a script's or a page's ("" otherwise). Returns ETOOLARGE
// or EUNPROCESSABLE with a message naming the file.
func CheckUpload(name string, size, max int64, seems, riskyExt string) error {
	if max <= 0 {
		max = DefaultMaxUpload
	}
	if size > max {
		return &Error{Code: ETOOLARGE, Message: fmt.Sprintf("「%s」超过 %s 的上限，请压缩或拆分后再上传", name, SizeLabel(max)),
			Fields: map[string]string{"file": "文件超过 " + SizeLabel(max)}}
	}
	if seems != "" {
		msg := fmt.Sprintf("「%s」的内容是%s，不予接收。%s", name, seems, acceptedList)
		if seems == "空文件" {
			msg = fmt.Sprintf("「%s」是空文件，请重新选择", name)
		}
		return &Error{Code: EUNPROCESSABLE, Message: msg, Fields: map[string]string{"file": "文件类型不予接收：" + seems}}
	}
	if riskyExt != "" {
		return &Error{Code: EUNPROCESSABLE, Message: fmt.Sprintf("「%s」的扩展名 %s 属于程序、脚本或网页，不予接收。%s", name, riskyExt, acceptedList),
			Fields: map[string]string{"file": "扩展名 " + riskyExt + " 不予接收"}}
	}
	return nil
}

// CheckPhoto is CheckUpload for the photos of a visit or an activity:
// pictures only. notPhoto is the label of an accepted type that is not a
// picture ("" for a picture or a type not accepted): a document or
// anything else is refused with EUNPROCESSABLE saying so.
func CheckPhoto(name string, size, max int64, seems, riskyExt, notPhoto string) error {
	err := CheckUpload(name, size, max, seems, riskyExt)
	if code := ErrorCode(err); code == ETOOLARGE || (err == nil && notPhoto == "") {
		return err
	}
	switch {
	case seems == "空文件":
		return err
	case notPhoto != "":
		seems = notPhoto
	case seems == "": // a picture refused for its name
		return err
	}
	return &Error{Code: EUNPROCESSABLE, Message: fmt.Sprintf("「%s」是%s，不是照片。%s", name, seems, photoTypes),
		Fields: map[string]string{"file": photoTypes}}
}

// SizeLabel formats a byte count for people: 10 MB, 2.5 MB, 120 KB.
func SizeLabel(n int64) string {
	trim := func(v float64, unit string) string {
		s := fmt.Sprintf("%.1f", v)
		return strings.TrimSuffix(s, ".0") + " " + unit
	}
	switch {
	case n >= 1<<20:
		return trim(float64(n)/(1<<20), "MB")
	case n >= 1<<10:
		return trim(float64(n)/(1<<10), "KB")
	}
	return fmt.Sprintf("%d B", n)
}

// IsImage reports whether the attachment is a picture, shown inline.
func (a *Attachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// SizeLabel is the attachment's size for people.
func (a *Attachment) SizeLabel() string { return SizeLabel(a.Size) }

// KindLabel names the attachment's kind in Chinese.
func (a *Attachment) KindLabel() string {
	switch a.Kind {
	case AttachProblem:
		return "问题材料"
	case AttachResolution:
		return "办结佐证"
	case AttachVisit:
		return "走访照片"
	case AttachActivity:
		return "活动照片"
	}
	return a.Kind
}

// MayAttach decides whether u may attach a file of kind (AttachProblem or
// AttachResolution) to p in its present state: reading a problem is not
// enough, attaching needs the right to act on it. mine reports whether u
// acts for a unit (a unit admin: its unit and sub-units; a cadre: their
// own unit); p.CoUnits must be loaded.
//
//   - Who: the office (and the system); the lead's unit admin, the lead's
//     cadres and the person handling it; a co-unit's admin or cadres for
//     their part, while a part may be recorded (assigned, accepted); and,
//     while it waits for the office (submitted), whoever entered it.
//   - What: problem material (问题材料) until it is resolved (submitted,
//     assigned, accepted); resolution evidence (办结佐证) while it is handled
//     (accepted) and once resolved, awaiting the callback; a co-unit's
//     evidence of its part while it may record it.
//   - Nothing on a closed, rejected or merged problem, the office's
//     included: a closed one is reopened first.
//
// Returns EFORBIDDEN for who, EUNPROCESSABLE for what, in Chinese.
func MayAttach(u *User, p *Problem, mine func(unit int64) bool, kind string) error {
	if u == nil {
		return Errorf(EUNAUTHORIZED, "请先登录")
	}
	switch u.Role {
	case RoleOffice, RoleUnitAdmin, RoleCadre:
	default:
		return Errorf(EFORBIDDEN, "您的角色（%s）不能上传附件", u.Role.Label())
	}
	if kind != AttachProblem && kind != AttachResolution {
		return FieldErrors(map[string]string{"kind": "附件类别须为 problem（问题材料）或 resolution（办结佐证）"})
	}
	switch p.State {
	case StateClosed:
		return Errorf(EUNPROCESSABLE, "问题已销号，不能再上传附件；如需补充，请先重新打开该问题")
	case StateRejected:
		return Errorf(EUNPROCESSABLE, "问题已不予受理，不能再上传附件")
	case StateMerged:
		return Errorf(EUNPROCESSABLE, "问题已并入问题 #%d，请在该问题上上传附件", p.MergedInto)
	}
	if mine == nil {
		mine = func(int64) bool { return false }
	}
	office := u.Role == RoleOffice
	lead := office || (p.UnitID != 0 && mine(p.UnitID)) || (u.Role == RoleCadre && p.PersonID != 0 && p.PersonID == u.CadreID)
	co := false
	for _, c := range p.CoUnits {
		co = co || mine(c.UnitID)
	}
	partOpen := p.State == StateAssigned || p.State == StateAccepted
	switch {
	case p.State == StateSubmitted && (office || (p.CreatedBy != 0 && p.CreatedBy == u.ID)):
	case p.State == StateSubmitted:
		return Errorf(EFORBIDDEN, "问题尚待县三联办受理，只有县三联办和录入人可以上传附件")
	case lead, co && partOpen:
	case co:
		return Errorf(EUNPROCESSABLE, "问题当前为“%s”，配合单位不能再上传附件", p.StateLabel())
	default:
		return Errorf(EFORBIDDEN, "该问题不由您或您的单位办理，不能上传附件")
	}
	bad := func(msg string) error {
		return &Error{Code: EUNPROCESSABLE, Message: msg, Fields: map[string]string{"kind": msg}}
	}
	switch {
	case kind == AttachProblem && p.State == StateResolved:
		return bad("问题已办结，只能补充办结佐证")
	case kind == AttachResolution && p.State == StateSubmitted:
		return bad("问题尚未交办，不能上传办结佐证")
	case kind == AttachResolution && p.State == StateAssigned && !(co && !lead):
		return bad("问题尚未签收，办结佐证须在签收办理后上传")
	}
	return nil
}

// AttachableKinds lists the kinds of attachment u may add to p now, by
// MayAttach: none, one or both of AttachProblem and AttachResolution.
func AttachableKinds(u *User, p *Problem, mine func(unit int64) bool) []string {
	var out []string
	for _, k := range []string{AttachProblem, AttachResolution} {
		if MayAttach(u, p, mine, k) == nil {
			out = append(out, k)
		}
	}
	return out
}
