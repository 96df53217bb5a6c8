package sanlian

import "context"

// ListCounts are the counts shown above each of the three lists.
type ListCounts struct {
	Total   int `json:"total"`
	Open    int `json:"open"`
	Done    int `json:"done"`
	Overdue int `json:"overdue"`
}

// ThreeLists are the 三个清单 of one unit or one person (逐单位、逐人):
// the problem list, the project list and the responsibility list.
type ThreeLists struct {
	UnitID   int64  `json:"unit_id,omitempty"`
	PersonID int64  `json:"person_id,omitempty"` // a cadre
	Name     string `json:"name"`                // the unit's or the person's
	UnitName string `json:"unit_name,omitempty"` // the person's unit

	Problems         []*Problem        `json:"problems"`
	Projects         []*Project        `json:"projects"`
	Responsibilities []*Responsibility `json:"responsibilities"`

	ProblemCounts        ListCounts `json:"problem_counts"`
	ProjectCounts        ListCounts `json:"project_counts"`
	ResponsibilityCounts ListCounts `json:"responsibility_counts"`

	// UnitHeads names the head (责任领导) of each unit on the problem
	// list, by unit id.
	UnitHeads map[int64]string `json:"-"`

	// Truncated is set when a list holds more lines than the limit asked.
	Truncated bool `json:"truncated"`
}

// ListsFilter names whose lists: a unit or a person (a cadre). Limit caps
// the lines of each list (the counts are always whole); 0 is MaxListLines.
type ListsFilter struct {
	UnitID   int64
	PersonID int64
	Limit    int
}

// MaxListLines bounds each list of a ThreeLists, for pages and workbooks.
const MaxListLines = 20000

// ListsService assembles the three lists under the caller's scope.
type ListsService interface {
	// FindLists returns ENOTFOUND for a unit or person out of scope,
	// EINVALID when neither or both are named.
	FindLists(ctx context.Context, f ListsFilter) (*ThreeLists, error)
}
