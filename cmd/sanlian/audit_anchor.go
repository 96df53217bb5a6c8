package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"sanlian"
	"sanlian/sqldb"
)

// anchorFile is the file in the anchor directory that anchors are
// appended to, one JSON line each.
const anchorFile = "audit-anchors.jsonl"

// anchorSink writes the audit chain's anchors outside the database: a line
// appended (and synced) to Dir/audit-anchors.jsonl, and, with URL, a POST
// of the same JSON. The POST never holds up the caller: it runs on its own
// goroutine; one that fails is logged and sent again with the next anchor.
type anchorSink struct {
	Dir    string
	URL    string
	Client *http.Client // nil: a client with a 10 s timeout
	Log    *slog.Logger // nil: discarded

	mu      sync.Mutex
	pending []sanlian.AuditAnchor
	posting bool
	failed  bool
	wg      sync.WaitGroup
}

// Write records a; only the file's failure is an error.
func (s *anchorSink) Write(_ context.Context, a sanlian.AuditAnchor) error {
	line, err := json.Marshal(a)
	if err != nil {
		return err
	}
	if s.Dir != "" {
		if err := appendLine(filepath.Join(s.Dir, anchorFile), line); err != nil {
			return fmt.Errorf("write audit anchor: %w", err)
		}
	}
	if s.URL == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, a)
	if !s.posting {
		s.posting = true
		s.wg.Add(1)
		go s.post()
	}
	return nil
}

func appendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// post sends the pending anchors in order, stopping at the first failure.
func (s *anchorSink) post() {
	defer s.wg.Done()
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		s.mu.Lock()
		if len(s.pending) == 0 {
			s.posting, s.failed = false, false
			s.mu.Unlock()
			return
		}
		a := s.pending[0]
		s.mu.Unlock()
		body, _ := json.Marshal(a)
		err := func() error {
			res, err := client.Post(s.URL, "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			defer res.Body.Close()
			io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
			if res.StatusCode/100 != 2 {
				return fmt.Errorf("status %s", res.Status)
			}
			return nil
		}()
		s.mu.Lock()
		if err != nil {
			s.posting, s.failed = false, true
			s.mu.Unlock()
			log.Error("audit anchor post: kept for the next anchor", "url", s.URL, "seq", a.Seq, "err", err)
			return
		}
		s.pending = s.pending[1:]
		s.mu.Unlock()
	}
}

// Wait waits for the POST in flight, if any.
func (s *anchorSink) Wait() { s.wg.Wait() }

// Failed reports whether anchors are still waiting to be posted after a
// failure.
func (s *anchorSink) Failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

// defaultAnchorDir is where serve writes anchors when not told: beside an
// SQLite file, nowhere for PostgreSQL. "none" turns them off.
func defaultAnchorDir(dir, dsn string) string {
	switch {
	case dir == "none":
		return ""
	case dir != "":
		return dir
	case sqldb.IsPostgres(dsn):
		return ""
	}
	return filepath.Join(filepath.Dir(dsnPath(dsn)), "audit-anchors")
}

func dsnPath(dsn string) string {
	p := dsn
	if len(p) > 5 && p[:5] == "file:" {
		p = p[5:]
	}
	return p
}

// startAuditChain starts the audit log's sealer and registers its
// scheduled jobs: the daily backstop seal and, when anchors go somewhere,
// the daily anchor.
func (m *Main) startAuditChain() error {
	db := m.DB
	db.StartAuditSealer(m.Log)
	if err := db.RegisterJob(sqldb.AuditSealJob, sanlian.JobDaily, sqldb.SealAuditJob); err != nil {
		return err
	}
	dir := defaultAnchorDir(m.Config.AuditAnchorDir, m.Config.DSN)
	if dir == "" && m.Config.AuditAnchorURL == "" {
		m.Log.Warn("audit anchors off: give serve --audit-anchor-dir or --audit-anchor-url")
		return nil
	}
	m.anchors = &anchorSink{Dir: dir, URL: m.Config.AuditAnchorURL, Log: m.Log}
	return db.RegisterJob(sqldb.AuditAnchorJob, sanlian.JobDaily, sqldb.AnchorAuditJob(m.anchors.Write))
}
