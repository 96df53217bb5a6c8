package sqldb

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sanlian"
)

// The audit log's hash chain (see sanlian.AuditRowHash). Rows are written
// to audit_log as before, with no lock added to any write transaction;
// the sealer chains them afterwards, in batches, one node at a time.

const (
	// sealBatch is the most rows one sealing transaction chains.
	sealBatch = 500
	// sealEvery is the least time between two seals of the background
	// sealer: a burst of writes is sealed together.
	sealEvery = time.Second
	// sealSweepEvery is how often the background sealer looks at the
	// whole log, not just the rows written lately.
	sealSweepEvery = 5 * time.Minute
	// sealLateWindow bounds, on PostgreSQL, how long after its time a row
	// may still commit and be found by the quick seal (the sweep finds the
	// rest): nodes commit concurrently, so a row may commit after one
	// with a higher id was sealed.
	sealLateWindow = 10 * time.Minute
	// AuditStaleAfter is the age past which verify reports a row not yet
	// sealed: it could have been altered before anything sealed it.
	AuditStaleAfter = 10 * time.Minute
	// sealCloseTimeout bounds the last seal on Close.
	sealCloseTimeout = 10 * time.Second
)

// Names of the scheduled jobs of the audit chain.
const (
	AuditSealJob   = "audit_seal"   // daily backstop of the sealer
	AuditAnchorJob = "audit_anchor" // daily anchor of the chain's head
)

// sealLockKey is the PostgreSQL advisory lock held by the node sealing,
// with the schema's hash as its second key: databases in other schemas of
// the same server seal on their own.
var sealLockKey = func() int32 {
	h := fnv.New32a()
	h.Write([]byte("sanlian audit seal"))
	return int32(h.Sum32())
}()

// errSealBusy says another node holds the seal lock.
var errSealBusy = errors.New("audit seal busy on another node")

// auditSealer is the DB's background sealer: commits that wrote audit rows
// nudge it without waiting, and it seals at most every sealEvery.
type auditSealer struct {
	mu      sync.Mutex
	kick    chan struct{} // nil until started
	stop    chan struct{}
	done    chan struct{}
	stopped bool
	dirty   atomic.Bool // audit rows written since the last seal began
	log     *slog.Logger
}

// nudge tells the sealer that a commit wrote audit rows. It never blocks.
func (s *auditSealer) nudge() {
	s.dirty.Store(true)
	s.mu.Lock()
	k := s.kick
	s.mu.Unlock()
	if k != nil {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// StartAuditSealer starts the background sealer, which runs until Close:
// a sweep of the whole log at once and every few minutes, and a quick seal
// at most every second after commits that wrote audit rows. Errors are
// logged to log (nil: discarded) and the seal tried again. Without it,
// Close still seals what this DB wrote.
func (db *DB) StartAuditSealer(log *slog.Logger) {
	s := &db.sealer
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kick != nil || s.stopped {
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s.kick, s.stop, s.done, s.log = make(chan struct{}, 1), make(chan struct{}), make(chan struct{}), log
	go db.sealLoop(s.kick, s.stop, s.done, log)
}

func (db *DB) sealLoop(kick, stop, done chan struct{}, log *slog.Logger) {
	defer close(done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	sweep := time.NewTicker(sealSweepEvery)
	defer sweep.Stop()
	full := true
	var last time.Time
	for {
		if wait := time.Until(last.Add(sealEvery)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-stop:
				t.Stop()
				return
			case <-t.C:
			}
		}
		last = time.Now()
		db.sealer.dirty.Store(false)
		if _, err := db.sealAudit(ctx, full); err != nil {
			db.sealer.dirty.Store(true)
			if ctx.Err() == nil {
				log.Error("audit seal", "err", err)
			}
		} else {
			full = false
		}
		select {
		case <-stop:
			return
		case <-kick:
		case <-sweep.C:
			full = true
		}
	}
}

// closeSealer stops the background sealer and seals what is left of this
// DB's writes, so that a command line run leaves no row unsealed.
func (db *DB) closeSealer() {
	s := &db.sealer
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	stop, done, log := s.stop, s.done, s.log
	s.kick = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if !s.dirty.Load() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), sealCloseTimeout)
	defer cancel()
	if _, err := db.sealAudit(ctx, false); err != nil && log != nil {
		log.Error("audit seal on close", "err", err)
	}
}

// SealAudit chains every committed audit row not yet sealed, in id order,
// in batches, and returns how many it sealed. On PostgreSQL only one node
// seals at a time: when another holds the seal, SealAudit leaves the rows
// to it and returns what it sealed so far.
func (db *DB) SealAudit(ctx context.Context) (int, error) {
	return db.sealAudit(ctx, true)
}

// sealAudit seals the whole log (full) or only past the rows sealed last
// and, on PostgreSQL, those written within sealLateWindow.
func (db *DB) sealAudit(ctx context.Context, full bool) (int, error) {
	from := int64(0)
	if !full {
		var maxSealed sql.NullInt64
		if err := db.r.QueryRowContext(ctx, "SELECT MAX(audit_id) FROM audit_chain").Scan(&maxSealed); err != nil {
			return 0, fmt.Errorf("audit seal: head: %w", err)
		}
		from = maxSealed.Int64
		if db.Dialect == Postgres && from > 0 {
			var minRecent sql.NullInt64
			if err := db.queryRow(ctx, "SELECT MIN(id) FROM audit_log WHERE at >= ?", time.Now().Add(-sealLateWindow).UTC()).Scan(&minRecent); err != nil {
				return 0, fmt.Errorf("audit seal: recent rows: %w", err)
			}
			if minRecent.Valid && minRecent.Int64-1 < from {
				from = minRecent.Int64 - 1
			}
		}
	}
	n := 0
	for {
		ids, err := db.unsealedIDs(ctx, from)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, nil
		}
		k, err := db.sealIDs(ctx, ids)
		if errors.Is(err, errSealBusy) {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n += k
		if len(ids) < sealBatch {
			return n, nil
		}
		from = ids[len(ids)-1]
	}
}

// unsealedIDs reads, outside any write transaction, the ids of the next
// rows to seal after from.
func (db *DB) unsealedIDs(ctx context.Context, from int64) ([]int64, error) {
	rows, err := db.query(ctx, `SELECT a.id FROM audit_log a
		WHERE a.id > ? AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id)
		ORDER BY a.id LIMIT ?`, from, sealBatch)
	if err != nil {
		return nil, fmt.Errorf("audit seal: unsealed rows: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("audit seal: unsealed rows: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// sealIDs seals the rows ids that are still unsealed, in a transaction of
// its own. It does not read db.Now, which tests and the demo change while
// the background sealer runs: seals carry the wall clock.
func (db *DB) sealIDs(ctx context.Context, ids []int64) (int, error) {
	stx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("audit seal: begin: %w", err)
	}
	defer stx.Rollback()
	tx := &Tx{tx: stx, db: db, ctx: ctx, now: time.Now().UTC().Truncate(time.Microsecond)}
	n, err := tx.sealAudit(ids, 0)
	if err != nil {
		return 0, err
	}
	if err := stx.Commit(); err != nil {
		return 0, fmt.Errorf("audit seal: commit: %w", err)
	}
	return n, nil
}

// sealAudit seals, inside tx, the rows ids that are still unsealed, or
// without ids the first limit unsealed rows of the log.
func (tx *Tx) sealAudit(ids []int64, limit int) (int, error) {
	if tx.db.Dialect == Postgres {
		var got bool
		if err := tx.queryRow("SELECT pg_try_advisory_xact_lock(?, hashtext(current_schema()))", sealLockKey).Scan(&got); err != nil {
			return 0, fmt.Errorf("audit seal: lock: %w", err)
		}
		if !got {
			return 0, errSealBusy
		}
	}
	headSeq, head := int64(0), sanlian.AuditGenesis
	var hexHead string
	err := tx.queryRow("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1").Scan(&headSeq, &hexHead)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, fmt.Errorf("audit seal: head: %w", err)
	default:
		if head, err = hex.DecodeString(hexHead); err != nil || len(head) != sanlian.AuditHashSize {
			return 0, fmt.Errorf("audit seal: the chain's head %d has an unreadable hash %q", headSeq, hexHead)
		}
	}
	q := "SELECT " + auditCols("a") + ` FROM audit_log a
		WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id)`
	args := int64s(ids)
	if ids != nil {
		q += " AND a.id IN (" + placeholders(len(ids)) + ") ORDER BY a.id"
	} else {
		q += " ORDER BY a.id LIMIT ?"
		args = append(args, limit)
	}
	rows, err := tx.query(q, args...)
	if err != nil {
		return 0, fmt.Errorf("audit seal: rows: %w", err)
	}
	var batch []sanlian.AuditRow
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("audit seal: rows: %w", err)
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("audit seal: rows: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	links := sanlian.AuditSeal(headSeq, head, batch, tx.now)
	vals := make([]string, len(links))
	args = make([]any, 0, 5*len(links))
	for i, l := range links {
		vals[i] = "(?, ?, ?, ?, ?)"
		args = append(args, l.Seq, l.AuditID, hex.EncodeToString(l.Prev), hex.EncodeToString(l.Hash), l.SealedAt)
	}
	if _, err := tx.exec("INSERT INTO audit_chain (seq, audit_id, prev_hash, hash, sealed_at) VALUES "+strings.Join(vals, ", "), args...); err != nil {
		return 0, fmt.Errorf("audit seal: %w", err)
	}
	return len(links), nil
}

// auditCols is sanlian.AuditColumns qualified by alias.
func auditCols(alias string) string {
	cols := make([]string, len(sanlian.AuditColumns))
	for i, c := range sanlian.AuditColumns {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// auditTime scans audit_log.at. A value the driver cannot read as a time
// (text written around the app) reads as the zero time, which no seal
// matches, so verify names the row instead of failing.
type auditTime struct{ t *time.Time }

func (a auditTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*a.t = x
	case nil:
		*a.t = time.Time{}
	default:
		s := fmt.Sprint(x)
		if b, ok := x.([]byte); ok {
			s = string(b)
		}
		*a.t = time.Time{}
		for _, layout := range []string{"2006-01-02 15:04:05.999999999 -0700 MST", "2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				*a.t = t
				break
			}
		}
	}
	return nil
}

// scanAuditRow reads the columns of auditCols.
func scanAuditRow(sc scanner) (sanlian.AuditRow, error) {
	var r sanlian.AuditRow
	var actor sql.NullInt64
	err := sc.Scan(&r.ID, auditTime{&r.At}, &actor, &r.Actor, &r.Action, &r.Entity, &r.EntityID, &r.Changes, &r.IP, &r.RequestID)
	if actor.Valid {
		r.ActorID = &actor.Int64
	}
	return r, err
}

// nullAuditRow scans an audit row that a LEFT JOIN may leave all NULL.
type nullAuditRow struct {
	id                                               sql.NullInt64
	at                                               time.Time
	actor                                            sql.NullInt64
	actorName, action, entity, entityID, changes, ip sql.NullString
	requestID                                        sql.NullString
}

func (n *nullAuditRow) targets() []any {
	return []any{&n.id, auditTime{&n.at}, &n.actor, &n.actorName, &n.action, &n.entity, &n.entityID, &n.changes, &n.ip, &n.requestID}
}

func (n *nullAuditRow) row() *sanlian.AuditRow {
	if !n.id.Valid {
		return nil
	}
	r := &sanlian.AuditRow{ID: n.id.Int64, At: n.at, Actor: n.actorName.String, Action: n.action.String, Entity: n.entity.String,
		EntityID: n.entityID.String, Changes: n.changes.String, IP: n.ip.String, RequestID: n.requestID.String}
	if n.actor.Valid {
		a := n.actor.Int64
		r.ActorID = &a
	}
	return r
}

// chainLink fills l from seq, audit_id, prev_hash, hash, sealed_at. A hash that is
// not hex reads as nil, which no check matches.
func chainLink(l *sanlian.AuditLink, seq, auditID int64, prev, hash string, sealedAt time.Time) {
	l.Seq, l.AuditID, l.SealedAt = seq, auditID, sealedAt
	l.Prev, _ = hex.DecodeString(prev)
	l.Hash, _ = hex.DecodeString(hash)
}

// VerifyAudit walks the whole chain in seq order against audit_log and
// the anchors given, and counts the rows not sealed yet, those older than
// AuditStaleAfter at now listed (up to 20). It only reads.
func (db *DB) VerifyAudit(ctx context.Context, anchors []sanlian.AuditAnchor, now time.Time) (*sanlian.AuditReport, error) {
	rep := &sanlian.AuditReport{}
	// The rows not sealed are counted before the chain is walked: a row
	// sealed meanwhile is then counted twice, never missed.
	const unsealed = " FROM audit_log a WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.audit_id = a.id)"
	stale := now.Add(-AuditStaleAfter).UTC()
	if err := db.queryRow(ctx, "SELECT COUNT(*), COUNT(CASE WHEN a.at < ? THEN 1 END)"+unsealed, stale).Scan(&rep.Unsealed, &rep.StaleCount); err != nil {
		return nil, fmt.Errorf("verify audit: unsealed: %w", err)
	}
	if rep.StaleCount > 0 {
		srows, err := db.query(ctx, "SELECT "+auditCols("a")+unsealed+" AND a.at < ? ORDER BY a.id LIMIT 20", stale)
		if err != nil {
			return nil, fmt.Errorf("verify audit: stale: %w", err)
		}
		defer srows.Close()
		for srows.Next() {
			r, err := scanAuditRow(srows)
			if err != nil {
				return nil, fmt.Errorf("verify audit: stale: %w", err)
			}
			rep.Stale = append(rep.Stale, r)
		}
		if err := srows.Err(); err != nil {
			return nil, fmt.Errorf("verify audit: stale: %w", err)
		}
	}
	rows, err := db.query(ctx, "SELECT c.seq, c.audit_id, c.prev_hash, c.hash, c.sealed_at, "+auditCols("a")+
		" FROM audit_chain c LEFT JOIN audit_log a ON a.id = c.audit_id ORDER BY c.seq")
	if err != nil {
		return nil, fmt.Errorf("verify audit: %w", err)
	}
	v := sanlian.NewChainVerifier()
	var failed sanlian.AuditLink
	for rows.Next() {
		var seq, auditID int64
		var prev, hash string
		var sealedAt time.Time
		var ar nullAuditRow
		if err := rows.Scan(append([]any{&seq, &auditID, &prev, &hash, auditTime{&sealedAt}}, ar.targets()...)...); err != nil {
			rows.Close()
			return nil, fmt.Errorf("verify audit: link: %w", err)
		}
		var l sanlian.AuditLink
		chainLink(&l, seq, auditID, prev, hash, sealedAt)
		if f := v.Check(l, ar.row()); f != nil {
			rep.Failure, failed = f, l
			break
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify audit: %w", err)
	}
	seq, head := v.Head()
	rep.Checked, rep.HeadSeq, rep.HeadHash = v.Checked(), seq, hex.EncodeToString(head)
	if rep.Failure != nil && rep.Failure.Kind == sanlian.ChainChanged {
		if err := db.explainMoved(ctx, rep.Failure, failed); err != nil {
			return nil, err
		}
	}
	for _, a := range anchors {
		var l *sanlian.AuditLink
		var lseq, auditID int64
		var prev, hash string
		var sealedAt time.Time
		err := db.queryRow(ctx, "SELECT seq, audit_id, prev_hash, hash, sealed_at FROM audit_chain WHERE seq = ?", a.Seq).
			Scan(&lseq, &auditID, &prev, &hash, auditTime{&sealedAt})
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return nil, fmt.Errorf("verify audit: anchor %d: %w", a.Seq, err)
		default:
			l = &sanlian.AuditLink{}
			chainLink(l, lseq, auditID, prev, hash, sealedAt)
		}
		rep.Anchors++
		if f := sanlian.CheckAnchor(a, l); f != nil {
			rep.AnchorFailures++
			if rep.AnchorFailure == nil || f.Seq < rep.AnchorFailure.Seq {
				rep.AnchorFailure = f
			}
		}
	}
	return rep, nil
}

// explainMoved looks through the log for the content sealed at the
// failing link, so that a reordering is named as one.
func (db *DB) explainMoved(ctx context.Context, f *sanlian.ChainFailure, link sanlian.AuditLink) error {
	rows, err := db.query(ctx, "SELECT "+auditCols("a")+" FROM audit_log a ORDER BY a.id")
	if err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanAuditRow(rows)
		if err != nil {
			return fmt.Errorf("verify audit: %w", err)
		}
		if f.ExplainMoved(link, r) {
			return nil
		}
	}
	return rows.Err()
}

// AuditHead returns the chain's last link (seq 0 and the genesis hash when
// nothing is sealed yet).
func (db *DB) AuditHead(ctx context.Context) (seq int64, hash string, err error) {
	return auditHead(db.reader(ctx))
}

func auditHead(q querier) (int64, string, error) {
	var seq int64
	var hash string
	err := q.queryOne("SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1").Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, hex.EncodeToString(sanlian.AuditGenesis), nil
	} else if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// Identity names the database in anchors: the SQLite file's absolute path,
// or the PostgreSQL URL without its password.
func (db *DB) Identity() string {
	if db.Dialect != Postgres {
		p := strings.TrimPrefix(db.DSN, "file:")
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return "sqlite:" + p
	}
	u, err := url.Parse(db.DSN)
	if err != nil {
		return "postgres"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	q := url.Values{}
	if sp := u.Query().Get("search_path"); sp != "" {
		q.Set("search_path", sp)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// AnchorAudit seals what is unsealed (up to a bound; the sealer does the
// rest) and returns the chain's head as an anchor, for `sanlian audit
// anchor`.
func (db *DB) AnchorAudit(ctx context.Context) (sanlian.AuditAnchor, error) {
	if _, err := db.SealAudit(ctx); err != nil {
		return sanlian.AuditAnchor{}, err
	}
	seq, hash, err := db.AuditHead(ctx)
	if err != nil {
		return sanlian.AuditAnchor{}, err
	}
	return sanlian.AuditAnchor{Seq: seq, Hash: hash, At: time.Now().UTC(), DB: db.Identity()}, nil
}

// jobSealLimit bounds the rows the scheduled jobs seal inside their own
// transaction; the background sealer, nudged, seals the rest.
const jobSealLimit = 5000

// SealAuditJob is the scheduler's daily backstop of the sealer: it seals
// up to jobSealLimit unsealed rows in the job's transaction and nudges the
// sealer for the rest.
func SealAuditJob(tx *Tx, _ string, _ time.Time) error {
	n, err := tx.sealAudit(nil, jobSealLimit)
	if errors.Is(err, errSealBusy) {
		return nil
	}
	if n == jobSealLimit {
		tx.db.sealer.nudge()
	}
	return err
}

// AnchorAuditJob returns the daily anchor job: it seals as SealAuditJob
// does, then hands the chain's head to write (which writes it outside the
// database); an error from write fails the run, which the scheduler
// tries again.
func AnchorAuditJob(write func(ctx context.Context, a sanlian.AuditAnchor) error) JobFunc {
	return func(tx *Tx, key string, at time.Time) error {
		if err := SealAuditJob(tx, key, at); err != nil {
			return err
		}
		seq, hash, err := auditHead(tx)
		if err != nil {
			return err
		}
		return write(tx.ctx, sanlian.AuditAnchor{Seq: seq, Hash: hash, At: tx.now, DB: tx.db.Identity()})
	}
}
