package sanlian

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Project statuses.
const (
	ProjectPlanned   = "planned"   // 未启动
	ProjectOngoing   = "ongoing"   // 实施中
	ProjectDone      = "done"      // 已完成
	ProjectSuspended = "suspended" // 已暂停
)

// ProjectStatuses lists the statuses in their order of life.
var ProjectStatuses = []string{ProjectPlanned, ProjectOngoing, ProjectDone, ProjectSuspended}

// ProjectStatusLabel returns the Chinese name of a project status.
func ProjectStatusLabel(s string) string {
	switch s {
	case ProjectPlanned:
		return "未启动"
	case ProjectOngoing:
		return "实施中"
	case ProjectDone:
		return "已完成"
	case ProjectSuspended:
		return "已暂停"
	}
	return s
}

// How a parent project's progress is computed from its sub-projects, as
// Decidim's accountability results do: the plain mean of the children's
// progress, or the mean weighted by each child's Weight.
const (
	RollupAverage  = "average"
	RollupWeighted = "weighted"
)

// StalledDays is how long an ongoing project may go without a progress
// entry before it shows as stalled (停滞).
const StalledDays = 30

// Project is one entry of a unit's 服务群众项目清单: a concrete service with
// a target (6,428 人次 screenings, 320 台 wheelchairs), dated progress, and
// a responsible leader and person. Sub-projects roll up into their parent.
type Project struct {
	ID            int64  `json:"id"`
	ParentID      int64  `json:"parent_id,omitempty"`
	UnitID        int64  `json:"unit_id"`
	Title         string `json:"title"`
	Category      string `json:"category,omitempty"` // a problem category code, or empty
	Description   string `json:"description"`
	Target        int64  `json:"target"`  // target quantity; 0 when the project has none
	Measure       string `json:"measure"` // its measure word: 人次, 台, 个 …
	Done          int64  `json:"done"`    // quantity done: its entries, plus its sub-projects' in the same measure
	Beneficiaries string `json:"beneficiaries"`
	StartDate     string `json:"start_date"` // 2006-01-02
	EndDate       string `json:"end_date"`
	LeaderID      int64  `json:"leader_id,omitempty"` // responsible leader, a cadre
	PersonID      int64  `json:"person_id,omitempty"` // responsible person, a cadre
	Status        string `json:"status"`
	// Progress is 0–100: for a project without sub-projects, Done over
	// Target capped at 100 (or, without a target, the percentage of the
	// latest entry by date that gave one); for a parent, the rollup of its
	// children; 100 once done. Divisions round down.
	Progress     int       `json:"progress"`
	Weight       int       `json:"weight"`                  // the project's weight in its parent's weighted rollup, ≥ 1
	Rollup       string    `json:"rollup"`                  // how this project's children roll up into it
	LastProgress string    `json:"last_progress,omitempty"` // date of the latest progress entry, its own or a sub-project's
	Children     int       `json:"children"`
	Version      int64     `json:"version"`
	CreatedBy    int64     `json:"created_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	// Computed when read, against the day of reading in Asia/Shanghai.
	Overdue bool `json:"overdue"` // past its end date and not done
	Stalled bool `json:"stalled"` // ongoing, and no progress for StalledDays

	// Read-only joins.
	UnitName     string `json:"unit_name,omitempty"`
	LeaderName   string `json:"leader_name,omitempty"`
	PersonName   string `json:"person_name,omitempty"`
	ParentTitle  string `json:"parent_title,omitempty"`
	CategoryName string `json:"category_name,omitempty"`
}

// StatusLabel is the Chinese name of the project's status.
func (p *Project) StatusLabel() string { return ProjectStatusLabel(p.Status) }

// MarkDue sets Overdue and Stalled as of today (a 2006-01-02 date).
func (p *Project) MarkDue(today string) {
	p.Overdue = p.Status != ProjectDone && p.EndDate != "" && p.EndDate < today
	p.Stalled = ProjectStalled(p, today)
}

// MaxProjectDepth is how deep sub-projects nest: a project, its
// sub-projects (per township, say) and theirs (per village).
const MaxProjectDepth = 3

// ProjectInput is what a unit enters for a project.
type ProjectInput struct {
	ParentID      int64  `json:"parent_id"`
	UnitID        int64  `json:"unit_id"` // a unit admin's own unit when 0
	Title         string `json:"title"`
	Category      string `json:"category"`
	Description   string `json:"description"`
	Target        int64  `json:"target"`
	Measure       string `json:"measure"`
	Beneficiaries string `json:"beneficiaries"`
	StartDate     string `json:"start_date"`
	EndDate       string `json:"end_date"`
	LeaderID      int64  `json:"leader_id"`
	PersonID      int64  `json:"person_id"`
	Status        string `json:"status"` // planned when empty
	Weight        int    `json:"weight"` // 1 when 0
	Rollup        string `json:"rollup"` // average when empty
}

// Validate checks the project's own fields; the unit, parent, cadres and
// category are checked by the service.
func (in *ProjectInput) Validate() error {
	in.Title = strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.Measure = strings.TrimSpace(in.Measure)
	in.Beneficiaries = strings.TrimSpace(in.Beneficiaries)
	if in.Status == "" {
		in.Status = ProjectPlanned
	}
	if in.Weight == 0 {
		in.Weight = 1
	}
	if in.Rollup == "" {
		in.Rollup = RollupAverage
	}
	f := map[string]string{}
	if in.Title == "" {
		f["title"] = "请填写项目名称"
	} else if utf8.RuneCountInString(in.Title) > 200 {
		f["title"] = "项目名称不能超过 200 字"
	}
	if utf8.RuneCountInString(in.Description) > MaxDescription {
		f["description"] = "项目内容不能超过 5000 字"
	}
	if in.Target < 0 || in.Target > 1_000_000_000 {
		f["target"] = "目标数量须为 0 到 10 亿之间的整数"
	}
	if in.Target > 0 && in.Measure == "" {
		f["measure"] = "请填写目标数量的计量单位，如 人次、台、个"
	} else if utf8.RuneCountInString(in.Measure) > 10 {
		f["measure"] = "计量单位不能超过 10 字"
	}
	if utf8.RuneCountInString(in.Beneficiaries) > 500 {
		f["beneficiaries"] = "受益对象不能超过 500 字"
	}
	start, err1 := time.Parse("2006-01-02", in.StartDate)
	if err1 != nil {
		f["start_date"] = "请填写开始日期，如 2021-05-20"
	}
	end, err2 := time.Parse("2006-01-02", in.EndDate)
	if err2 != nil {
		f["end_date"] = "请填写计划完成日期，如 2021-12-31"
	} else if err1 == nil && end.Before(start) {
		f["end_date"] = "计划完成日期不能早于开始日期"
	}
	switch in.Status {
	case ProjectPlanned, ProjectOngoing, ProjectDone, ProjectSuspended:
	default:
		f["status"] = "项目状态须为 未启动、实施中、已完成 或 已暂停"
	}
	if in.Weight < 1 || in.Weight > 100 {
		f["weight"] = "权重须为 1 到 100 之间的整数"
	}
	if in.Rollup != RollupAverage && in.Rollup != RollupWeighted {
		f["rollup"] = "子项目汇总方式须为 平均 或 加权"
	}
	if in.ParentID != 0 && in.ParentID < 0 {
		f["parent_id"] = "上级项目不存在"
	}
	checkTexts(f, oneLine("title", "项目名称", in.Title), manyLines("description", "项目内容", in.Description),
		oneLine("measure", "计量单位", in.Measure), manyLines("beneficiaries", "受益对象", in.Beneficiaries))
	return FieldErrors(f)
}

// ProgressEntry is a dated step of a project: the quantity done that day,
// a note, and evidence (photos or documents, as attachments).
type ProgressEntry struct {
	ID        int64         `json:"id"`
	ProjectID int64         `json:"project_id"`
	Date      string        `json:"date"`
	Quantity  int64         `json:"quantity"`
	Percent   int           `json:"percent"` // -1 when not given; used by a project without a target
	Note      string        `json:"note"`
	CreatedBy int64         `json:"created_by,omitempty"`
	Creator   string        `json:"creator,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	Evidence  []*Attachment `json:"evidence,omitempty"`
}

// ProgressInput records progress on a project whose version the writer saw.
type ProgressInput struct {
	Date     string `json:"date"`
	Quantity int64  `json:"quantity"`
	Percent  *int   `json:"percent"` // optional, 0–100
	Note     string `json:"note"`
	Version  int64  `json:"version"`
}

// Validate checks a progress entry's own fields.
func (in *ProgressInput) Validate() error {
	in.Note = strings.TrimSpace(in.Note)
	f := map[string]string{}
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		f["date"] = "请填写进展日期，如 2021-05-20"
	}
	if in.Quantity < 0 || in.Quantity > 1_000_000_000 {
		f["quantity"] = "完成数量须为 0 到 10 亿之间的整数"
	}
	if in.Percent != nil && (*in.Percent < 0 || *in.Percent > 100) {
		f["percent"] = "完成百分比须在 0 到 100 之间"
	}
	if in.Note == "" {
		f["note"] = "请填写进展情况"
	} else if utf8.RuneCountInString(in.Note) > MaxDescription {
		f["note"] = "进展情况不能超过 5000 字"
	}
	return FieldErrors(f)
}

// ProjectFilter selects projects, by id unless told.
type ProjectFilter struct {
	UnitID   int64
	PersonID int64 // a cadre: responsible leader or responsible person
	ParentID int64 // the sub-projects of one project
	TopOnly  bool  // projects without a parent
	Status   string
	Overdue  bool
	Stalled  bool
	Q        string // substring of the title
	Cursor   string
	Limit    int

	// DueBy ("2006-01-02") keeps the projects not done whose end date
	// falls from today to that day: the workbench's 到期 list.
	DueBy string
}

// ProjectService keeps the service project lists. The office sees and
// edits all; a unit admin its units'; a cadre reads their unit's and those
// they answer for; a leader reads those of the township governments of
// their townships, of units linked to a village in them, and those they
// answer for; sysadmin and auditor get EFORBIDDEN. Every write is audited.
type ProjectService interface {
	// CreateProject adds a project. Returns EUNPROCESSABLE with field
	// errors, EFORBIDDEN for another unit's project.
	CreateProject(ctx context.Context, in *ProjectInput) (*Project, error)
	// UpdateProject rewrites a project. Returns ECONFLICT on a stale
	// version, ENOTFOUND outside the caller's scope.
	UpdateProject(ctx context.Context, id int64, in *ProjectInput, version int64) (*Project, error)
	FindProjectByID(ctx context.Context, id int64) (*Project, error)
	FindProjects(ctx context.Context, f ProjectFilter) ([]*Project, string, error)
	// AddProgress records a progress entry, recomputes the project's
	// progress and its ancestors'. Returns ECONFLICT on a stale version.
	AddProgress(ctx context.Context, projectID int64, in *ProgressInput) (*Project, *ProgressEntry, error)
	// FindProgress lists a project's entries, newest first, with their
	// evidence.
	FindProgress(ctx context.Context, projectID int64) ([]*ProgressEntry, error)
	// AddProgressEvidence stores one photo or document of at most max
	// bytes on a progress entry. Returns ETOOLARGE, EUNPROCESSABLE,
	// ENOTFOUND, EFORBIDDEN.
	AddProgressEvidence(ctx context.Context, entryID int64, filename string, r io.Reader, max int64) (*Attachment, error)
}
