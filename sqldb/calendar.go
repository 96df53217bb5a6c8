package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sanlian"
)

// calendarMaxAge is how long a node trusts its built calendar. A save on
// this node replaces it at once; a save on another node sharing the same
// PostgreSQL is seen within this time.
const calendarMaxAge = time.Minute

// calendarCache holds the built working-day calendar. Every problem action
// computes deadlines, so the hot path is one atomic load; mu serialises the
// reloads, so that an expired cache is read from the database once, not
// once per waiting request.
type calendarCache struct {
	mu   sync.Mutex
	snap atomic.Pointer[calendarSnap]
}

type calendarSnap struct {
	cal *sanlian.Calendar
	at  time.Time // by db.Now, when it was read
}

func (s *calendarSnap) fresh(now time.Time) bool {
	return s != nil && !now.Before(s.at) && now.Sub(s.at) < calendarMaxAge
}

// invalidate drops the cached calendar. It waits for a reload in progress,
// so that a reload that read the old rows cannot store them afterwards.
func (c *calendarCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Store(nil)
}

// Calendar implements sanlian.CalendarService: the whole calendar, for
// deadline arithmetic, from a cache at most calendarMaxAge old. Any
// logged-in user may read it.
func (db *DB) Calendar(ctx context.Context) (*sanlian.Calendar, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	return db.calendarIn(db.reader(ctx))
}

// calendarIn is Calendar for code already inside a transaction: pass the
// Tx, so that a reload reads through it instead of waiting for a second
// connection (SQLite has one writer; a PostgreSQL pool may be exhausted by
// transactions each waiting for a calendar).
func (db *DB) calendarIn(q querier) (*sanlian.Calendar, error) {
	now := db.Now()
	if s := db.cal.snap.Load(); s.fresh(now) {
		return s.cal, nil
	}
	db.cal.mu.Lock()
	defer db.cal.mu.Unlock()
	if s := db.cal.snap.Load(); s.fresh(now) {
		return s.cal, nil
	}
	years, err := readCalendarYears(q)
	if err != nil {
		return nil, err
	}
	c := sanlian.NewCalendar(years)
	db.cal.snap.Store(&calendarSnap{cal: c, at: now})
	return c, nil
}

const calendarSelect = `SELECT year, holidays, workdays, note, version, updated_at FROM calendar_years`

func scanCalendarYear(sc scanner) (*sanlian.CalendarYear, error) {
	y := &sanlian.CalendarYear{}
	var holidays, workdays string
	var at sql.NullTime
	if err := sc.Scan(&y.Year, &holidays, &workdays, &y.Note, &y.Version, &at); err != nil {
		return nil, err
	}
	y.Holidays, y.Workdays = splitDates(holidays), splitDates(workdays)
	if at.Valid {
		y.UpdatedAt = at.Time
	}
	return y, nil
}

// splitDates reads a stored list; an empty list is [], not null, in JSON.
func splitDates(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func readCalendarYears(q querier) ([]*sanlian.CalendarYear, error) {
	rows, err := q.queryRows(calendarSelect + ` ORDER BY year`)
	if err != nil {
		return nil, fmt.Errorf("read calendar: %w", err)
	}
	defer rows.Close()
	var out []*sanlian.CalendarYear
	for rows.Next() {
		y, err := scanCalendarYear(rows)
		if err != nil {
			return nil, fmt.Errorf("read calendar: %w", err)
		}
		out = append(out, y)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read calendar: %w", err)
	}
	return out, nil
}

func findCalendarYear(q querier, year int) (*sanlian.CalendarYear, error) {
	y, err := scanCalendarYear(q.queryOne(calendarSelect+` WHERE year = ?`, year))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sanlian.Errorf(sanlian.ENOTFOUND, "尚未录入 %d 年的工作日历", year)
	} else if err != nil {
		return nil, fmt.Errorf("find calendar year %d: %w", year, err)
	}
	return y, nil
}

// FindCalendarYears implements sanlian.CalendarService.
func (db *DB) FindCalendarYears(ctx context.Context) ([]*sanlian.CalendarYear, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	return readCalendarYears(db.reader(ctx))
}

// FindCalendarYear implements sanlian.CalendarService.
func (db *DB) FindCalendarYear(ctx context.Context, year int) (*sanlian.CalendarYear, error) {
	if _, err := mustUser(ctx); err != nil {
		return nil, err
	}
	return findCalendarYear(db.reader(ctx), year)
}

// SaveCalendarYear implements sanlian.CalendarService. The lists are
// trimmed and sorted before they are checked and stored; on success y
// carries the new version and time. Saving a year the calendar did not
// hold confirms it: the deadlines counted on its provisional calendar are
// counted again in the same transaction (recountDue).
func (db *DB) SaveCalendarYear(ctx context.Context, y *sanlian.CalendarYear) error {
	u, err := mustUser(ctx)
	if err != nil {
		return err
	}
	if u.Role != sanlian.RoleOffice {
		return errForbidden("只有县办公室可以修改工作日历")
	}
	y.Normalize()
	if err := y.Validate(); err != nil {
		return err
	}
	holidays, workdays := strings.Join(y.Holidays, ","), strings.Join(y.Workdays, ",")
	var version int64
	var at time.Time
	err = db.inTx(ctx, func(tx *Tx) error {
		cur, err := findCalendarYear(tx, y.Year)
		if sanlian.ErrorCode(err) == sanlian.ENOTFOUND {
			cur, err = nil, nil
		}
		if err != nil {
			return err
		}
		if y.Version == 0 {
			if cur != nil {
				return sanlian.Errorf(sanlian.ECONFLICT, "%d 年的工作日历已经存在，可能刚被他人录入，请刷新后在现有内容上修改", y.Year)
			}
			// Only a year not held before was counted provisionally: an
			// edit of a held year moves no deadline.
			held, err := readCalendarYears(tx)
			if err != nil {
				return err
			}
			_, err = tx.exec(`INSERT INTO calendar_years (year, holidays, workdays, note, version, updated_at, updated_by)
				VALUES (?, ?, ?, ?, 1, ?, ?)`, y.Year, holidays, workdays, y.Note, tx.now, u.Username)
			if errors.Is(err, errUnique) {
				return sanlian.Errorf(sanlian.ECONFLICT, "%d 年的工作日历已经存在，可能刚被他人录入，请刷新后在现有内容上修改", y.Year)
			} else if err != nil {
				return fmt.Errorf("create calendar year %d: %w", y.Year, err)
			}
			version, at = 1, tx.now
			if err := tx.audit("create", "calendar", y.Year, changes{"holidays": {nil, holidays}, "workdays": {nil, workdays}, "note": {nil, y.Note}}); err != nil {
				return err
			}
			return recountDue(tx, held, y)
		}
		if cur == nil {
			return sanlian.Errorf(sanlian.ENOTFOUND, "尚未录入 %d 年的工作日历，无法修改", y.Year)
		}
		if cur.Version != y.Version {
			return errStale(fmt.Sprintf("%d 年的工作日历", y.Year))
		}
		res, err := tx.exec(`UPDATE calendar_years SET holidays = ?, workdays = ?, note = ?, version = version + 1, updated_at = ?, updated_by = ?
			WHERE year = ? AND version = ?`, holidays, workdays, y.Note, tx.now, u.Username, y.Year, y.Version)
		if err != nil {
			return fmt.Errorf("update calendar year %d: %w", y.Year, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errStale(fmt.Sprintf("%d 年的工作日历", y.Year))
		}
		version, at = y.Version+1, tx.now
		ch := changes{}
		ch.set("holidays", strings.Join(cur.Holidays, ","), holidays)
		ch.set("workdays", strings.Join(cur.Workdays, ","), workdays)
		ch.set("note", cur.Note, y.Note)
		return tx.audit("update", "calendar", y.Year, ch)
	})
	if err != nil {
		return err
	}
	db.cal.invalidate()
	y.Version, y.UpdatedAt = version, at
	return nil
}

// recountDue counts again, on the calendar with saved confirmed, the
// deadlines of every open problem marked provisional whose count passed
// through saved's year, when held (the years stored before the save) did
// not hold that year. What moves is decided by sanlian.RecountDue; each
// problem changed gets a recompute event on its timeline and an audit row,
// both by the system.
//
// The starts are sanlian.DueStartsOf's, from the last event that set each
// problem's resolve deadline and, while it is submitted, its dispatch
// deadline. RecountDue leaves alone a deadline the old calendar does not
// give as whole working days from its start.
func recountDue(tx *Tx, held []*sanlian.CalendarYear, saved *sanlian.CalendarYear) error {
	old := sanlian.NewCalendar(held)
	if !old.Provisional(saved.Year) {
		return nil
	}
	years := []*sanlian.CalendarYear{saved}
	for _, y := range held {
		if y.Year != saved.Year {
			years = append(years, y)
		}
	}
	cal := sanlian.NewCalendar(years)

	open := []any{true, sanlian.StateSubmitted, sanlian.StateAssigned, sanlian.StateAccepted}
	const candidates = `due_provisional = ? AND state IN (?, ?, ?)`
	q := `SELECT id, state, created_at, assigned_at, assign_due, accept_due, resolve_due, due_provisional FROM problems
		WHERE ` + candidates + ` ORDER BY id`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := tx.query(q, open...)
	if err != nil {
		return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
	}
	var ps []*sanlian.Problem
	for rows.Next() {
		p := &sanlian.Problem{}
		if err := rows.Scan(&p.ID, &p.State, timeDst{&p.CreatedAt}, timeDst{&p.AssignedAt}, timeDst{&p.AssignDue},
			timeDst{&p.AcceptDue}, timeDst{&p.ResolveDue}, &p.DueProvisional); err != nil {
			rows.Close()
			return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
	}
	if len(ps) == 0 {
		return nil
	}

	// The last event that set each candidate's resolve deadline.
	type setBy struct {
		action string
		at     time.Time
	}
	last := map[int64]setBy{}
	rows, err = tx.query(`SELECT problem_id, action, at FROM problem_events
		WHERE problem_id IN (SELECT id FROM problems WHERE `+candidates+`) AND action <> ? AND changes LIKE ?
		ORDER BY problem_id, id`, append(open, sanlian.ActionRecompute, `%"resolve_due"%`)...)
	if err != nil {
		return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
	}
	for rows.Next() {
		var id int64
		var e setBy
		if err := rows.Scan(&id, &e.action, timeDst{&e.at}); err != nil {
			rows.Close()
			return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
		}
		last[id] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
	}

	// The last event that set each submitted candidate's dispatch deadline:
	// its entry, a return or a transfer back to the office.
	assignSet := map[int64]time.Time{}
	err = eachRow(tx, `SELECT problem_id, at FROM problem_events
		WHERE problem_id IN (SELECT id FROM problems WHERE `+candidates+` AND state = ?) AND action <> ? AND changes LIKE ?
		ORDER BY problem_id, id`,
		append(append(open, sanlian.StateSubmitted), sanlian.ActionRecompute, `%"assign_due":[%`), func(sc scanner) error {
			var id int64
			var at time.Time
			err := sc.Scan(&id, timeDst{&at})
			assignSet[id] = at
			return err
		})
	if err != nil {
		return fmt.Errorf("recount deadlines %d: %w", saved.Year, err)
	}

	note := fmt.Sprintf("%d 年工作日历已确认，期限按确认后的日历重算", saved.Year)
	for _, p := range ps {
		e := last[p.ID]
		from := sanlian.DueStartsOf(p, e.action, e.at, assignSet[p.ID])
		r := sanlian.RecountDue(p, from, old, cal, saved.Year)
		if !r.Changed {
			continue
		}
		if _, err := tx.exec(`UPDATE problems SET assign_due = ?, accept_due = ?, resolve_due = ?, due_provisional = ?,
			version = version + 1, updated_at = ? WHERE id = ?`,
			nullTime(r.AssignDue), nullTime(r.AcceptDue), nullTime(r.ResolveDue), r.Provisional, tx.now, p.ID); err != nil {
			return fmt.Errorf("recount deadlines of problem %d: %w", p.ID, err)
		}
		ch := changes{}
		ch.set("assign_due", fmtDue(p.AssignDue), fmtDue(r.AssignDue))
		ch.set("accept_due", fmtDue(p.AcceptDue), fmtDue(r.AcceptDue))
		ch.set("resolve_due", fmtDue(p.ResolveDue), fmtDue(r.ResolveDue))
		ch.set("due_provisional", p.DueProvisional, r.Provisional)
		if err := problemEventAs(tx, 0, "system", p.ID, sanlian.ActionRecompute, note, p.State, p.State, ch); err != nil {
			return err
		}
		ch["note"] = [2]any{nil, note}
		if err := tx.auditAs(0, "system", sanlian.ActionRecompute, "problem", p.ID, ch); err != nil {
			return err
		}
	}
	return nil
}
