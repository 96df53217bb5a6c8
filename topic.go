package sanlian

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Topic is a question from the county topic bank (调研题目), carried on
// visits. Retired topics stay for the visits that used them.
type Topic struct {
	ID        int64     `json:"id"`
	Category  string    `json:"category"`
	Question  string    `json:"question"`
	Active    bool      `json:"active"`
	Sort      int       `json:"sort"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	CategoryName string `json:"category_name,omitempty"`
}

// TopicInput is what the office enters or imports for a topic.
type TopicInput struct {
	Category string `json:"category"`
	Question string `json:"question"`
	Sort     int    `json:"sort"`
}

// Validate checks a topic's own fields.
func (in *TopicInput) Validate() error {
	in.Question = strings.TrimSpace(in.Question)
	f := map[string]string{}
	if in.Category == "" {
		f["category"] = "请选择领域"
	}
	if in.Question == "" {
		f["question"] = "请填写调研题目"
	} else if utf8.RuneCountInString(in.Question) > 200 {
		f["question"] = "调研题目不能超过 200 字"
	}
	checkTexts(f, oneLine("question", "调研题目", in.Question))
	return FieldErrors(f)
}

// TopicFilter selects topics.
type TopicFilter struct {
	Category string
	Active   *bool
	Q        string
}

// TopicUpdate changes a topic; nil fields stay.
type TopicUpdate struct {
	Category *string `json:"category"`
	Question *string `json:"question"`
	Active   *bool   `json:"active"`
	Sort     *int    `json:"sort"`
	Version  int64   `json:"version"`
}

// TopicService keeps the topic bank; the office edits it, everyone reads it.
type TopicService interface {
	FindTopics(ctx context.Context, f TopicFilter) ([]*Topic, error)
	FindTopicByID(ctx context.Context, id int64) (*Topic, error)
	// CreateTopics adds topics all or none (the office's import). Returns
	// EUNPROCESSABLE naming the row ("rows.3.question") of the first bad one.
	CreateTopics(ctx context.Context, in []TopicInput) ([]*Topic, error)
	// UpdateTopic edits or retires a topic. Returns ECONFLICT on a stale version.
	UpdateTopic(ctx context.Context, id int64, upd TopicUpdate) (*Topic, error)
}
