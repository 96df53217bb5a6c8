package sanlian

import (
	"context"
	"io"
	"time"
)

// Attachment kinds: evidence on the problem as entered, or on its resolution.
const (
	AttachProblem    = "problem"
	AttachResolution = "resolution"
)

// Attachment is a photo or document on a problem, stored in the database
// so that every node sees it.
type Attachment struct {
	ID          int64     `json:"id"`
	ProblemID   int64     `json:"problem_id"`
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

// AttachmentService keeps the attachments of problems. Reads follow the
// problem's scope.
type AttachmentService interface {
	// AddAttachment stores one file of at most max bytes. Returns ETOOLARGE,
	// EUNPROCESSABLE (a type not accepted), ENOTFOUND, EFORBIDDEN.
	AddAttachment(ctx context.Context, problemID int64, kind, filename string, r io.Reader, max int64) (*Attachment, error)
	// FindAttachments lists a problem's attachments, oldest first.
	FindAttachments(ctx context.Context, problemID int64) ([]*Attachment, error)
	// OpenAttachment returns an attachment and its bytes (its thumbnail's
	// when thumb is set).
	OpenAttachment(ctx context.Context, id int64, thumb bool) (*Attachment, []byte, error)
}
