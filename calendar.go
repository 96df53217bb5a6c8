package sanlian

import (
	"context"
	"time"
)

// Shanghai is the zone of every calendar boundary (SPEC §4), whatever the
// server's own zone.
var Shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// No zoneinfo on the machine: China has kept UTC+8 without daylight
		// saving since 1991, so a fixed zone is exact for every date we hold.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// CalendarYear is one year of the official working-day calendar: the
// public holidays, and the make-up working days (调休) that fall on a
// weekend. Dates are "2006-01-02" in Asia/Shanghai.
type CalendarYear struct {
	Year     int      `json:"year"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
	Note     string   `json:"note,omitempty"` // e.g. the State Council notice it follows
	// Provisional marks a year the calendar does not hold, shown as
	// StatutoryHolidays give it until the office confirms it (by saving
	// it). Stored years are confirmed; this is never stored.
	Provisional bool      `json:"provisional"`
	Version     int64     `json:"version"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// CalendarService keeps the working-day calendar, which the office edits a
// year at a time.
type CalendarService interface {
	// FindCalendarYears lists the years held, oldest first.
	FindCalendarYears(ctx context.Context) ([]*CalendarYear, error)
	// FindCalendarYear returns ENOTFOUND for a year not held.
	FindCalendarYear(ctx context.Context, year int) (*CalendarYear, error)
	// SaveCalendarYear creates a year (Version 0) or replaces one (Version
	// as read). Office only. Returns EFORBIDDEN, EUNPROCESSABLE, ECONFLICT.
	SaveCalendarYear(ctx context.Context, y *CalendarYear) error
	// Calendar returns the whole calendar for deadline arithmetic.
	Calendar(ctx context.Context) (*Calendar, error)
}
