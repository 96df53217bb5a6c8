package sanlian

import (
	"fmt"
	"sort"
	"time"
)

// LinkedHousehold is one of a cadre's linked households as their
// workbench shows it: the household, its village's name and the date of
// its last household visit ("" when it was never visited).
type LinkedHousehold struct {
	Household   *Household `json:"household"`
	VillageName string     `json:"village_name"`
	LastVisit   string     `json:"last_visit,omitempty"` // "2006-01-02"
	// DaysSince is the number of days since LastVisit, -1 when never
	// visited (filled by FinishLinkedHouseholds).
	DaysSince int `json:"days_since"`
}

// MustVisit reports whether the household carries a 三必访 tag.
func (h *LinkedHousehold) MustVisit() bool { return len(h.Household.Tags) > 0 }

// VisitAge says in Chinese how long ago the household was last visited.
func (h *LinkedHousehold) VisitAge() string { return VisitAgeLabel(h.DaysSince) }

// DaysSinceVisit counts the calendar days (Asia/Shanghai) from a visit
// dated last ("2006-01-02") to now; -1 when last is empty or not a date.
// A visit dated after now (a clock skew) counts as today.
func DaysSinceVisit(last string, now time.Time) int {
	d, err := time.ParseInLocation("2006-01-02", last, Shanghai)
	if err != nil {
		return -1
	}
	n := now.In(Shanghai)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, Shanghai)
	days := int(today.Sub(d).Hours()) / 24 // both at midnight in a zone without DST
	if days < 0 {
		return 0
	}
	return days
}

// VisitAgeLabel names a DaysSinceVisit result: 从未走访, 今天 or N 天前.
func VisitAgeLabel(days int) string {
	switch {
	case days < 0:
		return "从未走访"
	case days == 0:
		return "今天"
	}
	return fmt.Sprintf("%d 天前", days)
}

// FinishLinkedHouseholds fills DaysSince as of now and orders the
// households as a cadre should visit them: must-visit households first;
// within each group the never visited, then the longest unvisited; ties
// by household id.
func FinishLinkedHouseholds(hs []*LinkedHousehold, now time.Time) {
	for _, h := range hs {
		h.DaysSince = DaysSinceVisit(h.LastVisit, now)
	}
	sort.SliceStable(hs, func(i, j int) bool {
		a, b := hs[i], hs[j]
		if a.MustVisit() != b.MustVisit() {
			return a.MustVisit()
		}
		if (a.DaysSince < 0) != (b.DaysSince < 0) {
			return a.DaysSince < 0
		}
		if a.DaysSince != b.DaysSince {
			return a.DaysSince > b.DaysSince
		}
		return a.Household.ID < b.Household.ID
	})
}

// Account states a workbench counts and the account list filters by.
const (
	AccountLocked   = "locked"           // locked after failed logins, lock still running
	AccountDisabled = "disabled"         // disabled by an administrator
	AccountNever    = "never"            // never logged in
	AccountRecent   = "recent"           // created in the last RecentAccountDays days
	AccountNo2FA    = "no-second-factor" // no second factor enrolled
)

// AccountStatuses lists the account states in display order.
var AccountStatuses = []string{AccountLocked, AccountDisabled, AccountNever, AccountRecent, AccountNo2FA}

// RecentAccountDays is how far back an account counts as recently created.
const RecentAccountDays = 7

// AccountStatusLabel names an account state in Chinese.
func AccountStatusLabel(s string) string {
	switch s {
	case AccountLocked:
		return "已锁定"
	case AccountDisabled:
		return "已停用"
	case AccountNever:
		return "从未登录"
	case AccountRecent:
		return fmt.Sprintf("近 %d 天新建", RecentAccountDays)
	case AccountNo2FA:
		return "未启用双因素认证"
	}
	return s
}

// AccountLockedAt reports whether u's lock still runs at now.
func AccountLockedAt(u *User, now time.Time) bool {
	return !u.LockedUntil.IsZero() && u.LockedUntil.After(now)
}

// AccountFilter selects accounts for the account list: by role and by
// one of AccountStatuses ("" for any).
type AccountFilter struct {
	Role   Role
	Status string
}

// RoleCount is how many accounts hold a role.
type RoleCount struct {
	Role  Role `json:"role"`
	Count int  `json:"count"`
}

// AccountSummary is the system administrator's view of the accounts.
type AccountSummary struct {
	Total    int         `json:"total"`
	ByRole   []RoleCount `json:"by_role"` // every role, in Roles order
	Locked   int         `json:"locked"`
	Disabled int         `json:"disabled"`
	Never    int         `json:"never"`
	Recent   int         `json:"recent"`
	No2FA    int         `json:"no_second_factor"`
}

// ActionCount is how many audit rows carry an action.
type ActionCount struct {
	Action string `json:"action"`
	Count  int    `json:"count"`
}

// AuditSummary is the auditor's view of recent activity: rows per action
// since the start of today and of the last 7 days (Asia/Shanghai), most
// frequent first, and the personal-data reveals of the 7 days.
type AuditSummary struct {
	TodayFrom time.Time     `json:"today_from"`
	WeekFrom  time.Time     `json:"week_from"`
	Today     []ActionCount `json:"today"`
	Week      []ActionCount `json:"week"`
	Reveals   int           `json:"reveals"`
}

// AuditWindows returns the starts of today and of the 7 days ending
// today, at midnight Asia/Shanghai.
func AuditWindows(now time.Time) (today, week time.Time) {
	n := now.In(Shanghai)
	today = time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, Shanghai)
	return today, today.AddDate(0, 0, -6)
}

// AccountIs reports whether account u is in state status at now;
// everLoggedIn says whether the audit log holds a login of it. An empty
// status matches every account.
func AccountIs(u *User, status string, now time.Time, everLoggedIn bool) bool {
	switch status {
	case AccountLocked:
		return AccountLockedAt(u, now)
	case AccountDisabled:
		return u.Disabled
	case AccountNever:
		return !everLoggedIn
	case AccountRecent:
		return !u.CreatedAt.Before(now.AddDate(0, 0, -RecentAccountDays))
	case AccountNo2FA:
		return !u.TOTPEnabled
	}
	return true
}
