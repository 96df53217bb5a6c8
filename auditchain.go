package sanlian

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// The audit log is made tamper-evident by a hash chain kept beside it: a
// sealer takes the rows of audit_log that are committed and not yet
// sealed, in id order, and appends one link per row to audit_chain. Each
// link's hash is SM3(previous link's hash || the row's canonical
// encoding), so changing, deleting or moving a sealed row breaks the chain
// at that row, and rewriting the chain from there on changes the head,
// which anchors kept outside the database record. The rules here are pure;
// sqldb seals and loads.

// AuditColumns lists every column of audit_log in the order the canonical
// encoding takes them. A column added to audit_log must be added here and
// to AuditCanonical (a test compares this list with the table).
var AuditColumns = []string{"id", "at", "actor_id", "actor", "action", "entity", "entity_id", "changes", "ip", "request_id"}

// auditCanonicalTag opens every canonical encoding, so that a later
// encoding (a column added) can never hash like this one. A row without a
// request id is encoded as v1, the encoding of every row written before
// request_id existed, so that their seals still hold; a row with one is
// encoded as v2, which appends it. Blanking a v2 row's request id, or
// giving a v1 row one, changes the tag and so the hash: the column is
// covered either way.
const (
	auditCanonicalTag   = "sanlian.audit_log.v1"
	auditCanonicalTagV2 = "sanlian.audit_log.v2"
)

// auditTimeLayout is the one form of audit_log.at in the encoding: UTC,
// nanoseconds always written. Rows are written at microsecond precision,
// which PostgreSQL keeps and SQLite stores as text, so a row reads back
// identically on both engines.
const auditTimeLayout = "2006-01-02T15:04:05.000000000Z"

// AuditHashSize is the size of a chain hash (SM3).
const AuditHashSize = sm3.Size

// AuditGenesis is the prev hash of the first link: 32 zero bytes.
var AuditGenesis = make([]byte, AuditHashSize)

// AuditRow is one audit_log row exactly as stored: every column, NULL
// kept apart from zero.
type AuditRow struct {
	ID       int64
	At       time.Time
	ActorID  *int64 // nil when NULL
	Actor    string
	Action   string
	Entity   string
	EntityID string
	Changes  string
	IP       string
	// RequestID is the HTTP request's id (X-Request-Id), "" for rows
	// written outside a request or before the column existed.
	RequestID string
}

// AuditLink is one row of audit_chain: the seq-th sealed audit row.
type AuditLink struct {
	Seq      int64
	AuditID  int64
	Prev     []byte
	Hash     []byte
	SealedAt time.Time
}

// AuditCanonical is the unambiguous encoding of row that the chain hashes:
// a tag, then every column as a 4-byte big-endian length and its bytes.
// Numbers are decimal; a NULL actor_id is empty, which no number is. The
// request id is encoded only when there is one, under the v2 tag
// (auditCanonicalTag).
func AuditCanonical(row AuditRow) []byte {
	actor := ""
	if row.ActorID != nil {
		actor = strconv.FormatInt(*row.ActorID, 10)
	}
	fields := []string{auditCanonicalTag, strconv.FormatInt(row.ID, 10), row.At.UTC().Format(auditTimeLayout), actor,
		row.Actor, row.Action, row.Entity, row.EntityID, row.Changes, row.IP}
	if row.RequestID != "" {
		fields[0] = auditCanonicalTagV2
		fields = append(fields, row.RequestID)
	}
	n := 0
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// AuditRowHash is one step of the chain: SM3(prev || AuditCanonical(row)).
func AuditRowHash(prev []byte, row AuditRow) []byte {
	h := sm3.New()
	h.Write(prev)
	h.Write(AuditCanonical(row))
	return h.Sum(nil)
}

// AuditSeal chains rows (in the order given) after the link prevSeq whose
// hash is prev, and returns the new links.
func AuditSeal(prevSeq int64, prev []byte, rows []AuditRow, at time.Time) []AuditLink {
	out := make([]AuditLink, len(rows))
	for i, r := range rows {
		h := AuditRowHash(prev, r)
		out[i] = AuditLink{Seq: prevSeq + int64(i) + 1, AuditID: r.ID, Prev: prev, Hash: h, SealedAt: at}
		prev = h
	}
	return out
}

// Kinds of chain failure.
const (
	ChainChanged = "changed" // a sealed row's content is not what was sealed
	ChainDeleted = "deleted" // a link's audit row is gone
	ChainGap     = "gap"     // links are missing (rows deleted with their links)
	ChainMoved   = "moved"   // rows or links swapped: a reordering
	ChainPrev    = "prev"    // a link does not follow the one before it
	ChainAnchor  = "anchor"  // the chain disagrees with an anchor kept outside
)

// ChainFailure is the first place where the audit chain does not hold.
type ChainFailure struct {
	Kind    string
	Seq     int64 // the link
	AuditID int64 // its audit row (0 when unknown)
	Reason  string
}

func (f *ChainFailure) Error() string { return f.Reason }

// ChainVerifier walks the chain one link at a time, in seq order, so that
// a long log is checked without holding it in memory.
type ChainVerifier struct {
	prev    []byte
	seq     int64
	checked int
}

// NewChainVerifier starts a walk at the first link.
func NewChainVerifier() *ChainVerifier { return &ChainVerifier{prev: AuditGenesis} }

// Checked is the number of links that passed.
func (v *ChainVerifier) Checked() int { return v.checked }

// Head is the last link that passed: its seq and hash (0 and the genesis
// hash before any).
func (v *ChainVerifier) Head() (int64, []byte) { return v.seq, v.prev }

// Check checks the next link and its audit row (nil when the row is gone)
// and returns the failure, or nil.
func (v *ChainVerifier) Check(link AuditLink, row *AuditRow) *ChainFailure {
	switch {
	case link.Seq == v.seq+2:
		return &ChainFailure{ChainGap, v.seq + 1, 0, fmt.Sprintf("第 %d 号链节缺失：一条已封存的审计记录连同其链节被删除", v.seq+1)}
	case link.Seq > v.seq+1:
		return &ChainFailure{ChainGap, v.seq + 1, 0, fmt.Sprintf("第 %d 至 %d 号链节缺失：%d 条已封存的审计记录连同其链节被删除", v.seq+1, link.Seq-1, link.Seq-1-v.seq)}
	case link.Seq <= v.seq:
		return &ChainFailure{ChainMoved, link.Seq, link.AuditID, fmt.Sprintf("第 %d 号链节重复出现：链节顺序被改", link.Seq)}
	case !bytes.Equal(link.Prev, v.prev):
		return &ChainFailure{ChainPrev, link.Seq, link.AuditID, fmt.Sprintf("第 %d 号链节（审计记录 #%d）记下的前一哈希与第 %d 号链节不符：链被改接", link.Seq, link.AuditID, v.seq)}
	case row == nil:
		return &ChainFailure{ChainDeleted, link.Seq, link.AuditID, fmt.Sprintf("审计记录 #%d 已被删除（第 %d 号链节仍在）", link.AuditID, link.Seq)}
	case row.ID != link.AuditID:
		return &ChainFailure{ChainChanged, link.Seq, link.AuditID, fmt.Sprintf("第 %d 号链节指向审计记录 #%d，读到的却是 #%d", link.Seq, link.AuditID, row.ID)}
	case !bytes.Equal(AuditRowHash(link.Prev, *row), link.Hash):
		return &ChainFailure{ChainChanged, link.Seq, link.AuditID, fmt.Sprintf("审计记录 #%d（第 %d 号链节）的内容与封存时不符：有字段被改动（内容哈希校验失败）", link.AuditID, link.Seq)}
	}
	v.prev, v.seq = link.Hash, link.Seq
	v.checked++
	return nil
}

// ExplainMoved refines a ChainChanged failure at link when row shows that
// the sealed content is still there but in another place: the link now
// points at another row, or two rows' contents were swapped. It reports
// whether it did.
func (f *ChainFailure) ExplainMoved(link AuditLink, row AuditRow) bool {
	if f == nil || f.Kind != ChainChanged || row.ID == link.AuditID {
		return false
	}
	if bytes.Equal(AuditRowHash(link.Prev, row), link.Hash) {
		f.Kind = ChainMoved
		f.Reason = fmt.Sprintf("第 %d 号链节封存的是审计记录 #%d，现在却指向 #%d：记录顺序被调换", link.Seq, row.ID, link.AuditID)
		return true
	}
	moved := row
	moved.ID = link.AuditID
	if bytes.Equal(AuditRowHash(link.Prev, moved), link.Hash) {
		f.Kind = ChainMoved
		f.Reason = fmt.Sprintf("审计记录 #%d（第 %d 号链节）封存时的内容现在在 #%d 中：记录的内容被对调，顺序被改", link.AuditID, link.Seq, row.ID)
		return true
	}
	return false
}

// VerifyChain checks links (any order; they are walked by seq) against
// rows and returns the first failure, or nil when every link holds.
func VerifyChain(rows []AuditRow, links []AuditLink) *ChainFailure {
	byID := make(map[int64]*AuditRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	sorted := append([]AuditLink(nil), links...)
	for i := 1; i < len(sorted); i++ { // insertion sort: links come nearly sorted
		for k := i; k > 0 && sorted[k].Seq < sorted[k-1].Seq; k-- {
			sorted[k], sorted[k-1] = sorted[k-1], sorted[k]
		}
	}
	v := NewChainVerifier()
	for _, l := range sorted {
		if f := v.Check(l, byID[l.AuditID]); f != nil {
			for _, r := range rows {
				if f.ExplainMoved(l, r) {
					break
				}
			}
			return f
		}
	}
	return nil
}

// AuditAnchor is the chain's head written outside the database: a line of
// JSON in a file the operator archives, and optionally a POST to a URL.
type AuditAnchor struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"` // hex
	At   time.Time `json:"at"`
	DB   string    `json:"db"` // which database, without credentials
}

// CheckAnchor checks one anchor against the link now at its seq (nil when
// there is none).
func CheckAnchor(a AuditAnchor, link *AuditLink) *ChainFailure {
	when := a.At.In(Shanghai).Format("2006-01-02 15:04")
	if a.Seq == 0 {
		return nil // anchored an empty chain
	}
	if link == nil {
		return &ChainFailure{ChainAnchor, a.Seq, 0, fmt.Sprintf("%s 的锚点记下第 %d 号链节，现已不存在：链尾被截断", when, a.Seq)}
	}
	if hex.EncodeToString(link.Hash) != strings.ToLower(a.Hash) {
		return &ChainFailure{ChainAnchor, a.Seq, link.AuditID, fmt.Sprintf("%s 的锚点记下的第 %d 号链节哈希与库中不符：链从此处起被整体重写", when, a.Seq)}
	}
	return nil
}

// ParseAnchors reads anchors, one JSON object a line; blank lines are
// skipped. A line that is not an anchor is an error naming it.
func ParseAnchors(r io.Reader, name string) ([]AuditAnchor, error) {
	var out []AuditAnchor
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var a AuditAnchor
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			return nil, Errorf(EINVALID, "锚点文件 %s 第 %d 行无法解析：%v", name, n, err)
		}
		if h, err := hex.DecodeString(a.Hash); a.Seq < 0 || (a.Seq > 0 && (err != nil || len(h) != AuditHashSize)) {
			return nil, Errorf(EINVALID, "锚点文件 %s 第 %d 行不是有效的锚点（序号或哈希有误）", name, n)
		}
		out = append(out, a)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read anchors %s: %w", name, err)
	}
	return out, nil
}

// AuditReport is what a walk of the audit chain found.
type AuditReport struct {
	Checked  int           // links that passed, from the first
	HeadSeq  int64         // the last link that passed
	HeadHash string        // its hash, hex
	Failure  *ChainFailure // the first link that failed, or nil

	Anchors        int           // anchors checked
	AnchorFailures int           // anchors the chain disagrees with
	AnchorFailure  *ChainFailure // the earliest of them

	Unsealed   int        // rows not sealed yet
	StaleCount int        // of them, older than the stale age
	Stale      []AuditRow // the first of those
}

// OK reports whether the report found nothing wrong: the chain holds, the
// anchors agree, and no row has waited too long for its seal.
func (r *AuditReport) OK() bool {
	return r.Failure == nil && r.AnchorFailures == 0 && r.StaleCount == 0
}
