package sqldb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"sanlian/seal"
)

// sealedCol is a column of personal data stored sealed, and the blind
// index beside it when something looks the value up.
type sealedCol struct {
	table, col string
	bi, kind   string // blind-index column and seal kind; "" when none
}

func (c sealedCol) aad() string { return c.table + "." + c.col }

// sealedCols lists every column holding a citizen's or cadre's phone or ID
// number. Writes seal them, scans open them, passes re-seal them.
var sealedCols = []sealedCol{
	{table: "households", col: "id_number", bi: "id_number_bi", kind: seal.IDNumber},
	{table: "households", col: "phone"},
	{table: "cadres", col: "phone"},
	{table: "problems", col: "reporter_phone", bi: "reporter_phone_bi", kind: seal.Phone},
	{table: "problem_reporters", col: "phone"},
	{table: "users", col: "totp_secret"}, // not personal data, but a secret all the same
	{table: "problems", col: "wechat_openid"},
	{table: "resident_messages", col: "phone", bi: "phone_bi", kind: seal.Phone},
	{table: "resident_messages", col: "openid"},
	{table: "sms_optouts", col: "phone", bi: "phone_bi", kind: seal.Phone},
	{table: "sms_inbound", col: "phone", bi: "phone_bi", kind: seal.Phone},
}

// The AADs of the sealed columns, one per column of sealedCols.
const (
	aadHouseholdID    = "households.id_number"
	aadHouseholdPhone = "households.phone"
	aadCadrePhone     = "cadres.phone"
	aadReporterPhone  = "problems.reporter_phone"
	aadReportersPhone = "problem_reporters.phone"
	aadTOTPSecret     = "users.totp_secret"
)

// resealRowsPerTx is how many rows one transaction of a pass rewrites.
const resealRowsPerTx = 2000

// seal encrypts v for the column aad under the key in force.
func (db *DB) seal(v, aad string) string { return db.ring.Seal(v, aad) }

// index returns the blind index of v under the key in force.
func (db *DB) index(kind, v string) string { return db.ring.Index(kind, v) }

// Encrypted reports whether the database is used with a key.
func (db *DB) Encrypted() bool { return !db.ring.Plain() }

// Key returns the key in force, nil for a database not encrypted.
func (db *DB) Key() *seal.Key { return db.ring.Cur }

// sealed scans a sealed column into dst, opening it; a value that does
// not open is an error naming the table, the row (*id, scanned before it)
// and the column.
func (db *DB) sealed(aad string, dst *string, id *int64) sealedDst {
	return sealedDst{db.ring, aad, dst, id}
}

type sealedDst struct {
	ring *seal.Ring
	aad  string
	dst  *string
	id   *int64
}

func (s sealedDst) Scan(v any) error {
	var raw string
	switch x := v.(type) {
	case nil:
	case string:
		raw = x
	case []byte:
		raw = string(x)
	default:
		return fmt.Errorf("%s: want text, got %T", s.aad, v)
	}
	clear, err := s.ring.Open(raw, s.aad)
	if err != nil {
		table, col, _ := strings.Cut(s.aad, ".")
		return fmt.Errorf("%s 表第 %d 行的 %s 无法解密：%w", table, *s.id, col, err)
	}
	*s.dst = clear
	return nil
}

// cryptState reads what the database records of its encryption.
func cryptState(q querier) (st seal.State, pending string, err error) {
	var retired string
	err = q.queryOne(`SELECT identity, key_check, next_check, retired, pending FROM crypt_state WHERE id = 1`).
		Scan(&st.Identity, &st.Check, &st.Next, &retired, &pending)
	if err != nil {
		return st, "", fmt.Errorf("read crypt_state: %w", err)
	}
	if retired != "" {
		st.Retired = strings.Split(retired, ",")
	}
	return st, pending, nil
}

// UseKey opens a migrated database with key k (nil: no key). A database
// encrypted under another key, or under one without k, is refused (see
// seal.Unlock). A database not yet encrypted that is given a key adopts
// it: its key check is recorded and what is there is encrypted, in
// batches with progress lines on progress. A pass left unfinished by a
// kill is taken up again here.
func (db *DB) UseKey(ctx context.Context, k *seal.Key, progress io.Writer) error {
	st, pending, err := cryptState(db.reader(ctx))
	if err != nil {
		return err
	}
	if err := seal.Unlock(st, k); err != nil {
		return err
	}
	if st.Check == "" && k != nil {
		err := db.inTx(ctx, func(tx *Tx) error {
			st, _, err := cryptState(tx)
			if err != nil {
				return err
			}
			if st.Check != "" {
				return seal.Unlock(st, k) // another node adopted a key first
			}
			_, err = tx.exec(`UPDATE crypt_state SET key_check = ?, pending = 'encrypt' WHERE id = 1`, seal.Check(k, st.Identity))
			return err
		})
		if err != nil {
			return err
		}
		pending = "encrypt"
	}
	db.ring = &seal.Ring{Cur: k}
	if pending == "" {
		return nil
	}
	if err := db.reseal(ctx, progress); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE crypt_state SET pending = '' WHERE id = 1 AND next_check = ''`)
		return err
	})
}

// Rotate re-encrypts every sealed value and blind index from key old to
// key next, a batch per transaction, so that a kill loses at most a batch
// and running Rotate again with the same keys goes on where it stopped.
// Until it finishes the database refuses to start; afterwards old is
// refused. Servers on the database must be stopped while it runs.
func (db *DB) Rotate(ctx context.Context, old, next *seal.Key, progress io.Writer) error {
	if old.ID == next.ID {
		return errors.New("新密钥与旧密钥相同")
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		st, _, err := cryptState(tx)
		if err != nil {
			return err
		}
		if st.Check == "" {
			return errors.New("数据库尚未加密：请先运行 sanlian keys init")
		}
		if err := seal.Matches(st, st.Check, old); err != nil {
			return fmt.Errorf("旧密钥：%w", err)
		}
		if st.Next != "" {
			if err := seal.Matches(st, st.Next, next); err != nil {
				return fmt.Errorf("新密钥：一次轮换已开始，须用同一把新密钥（%s）继续：%w", seal.KeyID(st.Next), err)
			}
			return nil
		}
		for _, r := range st.Retired {
			if r == next.ID {
				return fmt.Errorf("新密钥 %s 是已停用的密钥", next.ID)
			}
		}
		_, err = tx.exec(`UPDATE crypt_state SET next_check = ?, pending = 'rotate' WHERE id = 1`, seal.Check(next, st.Identity))
		return err
	})
	if err != nil {
		return err
	}
	db.ring = &seal.Ring{Cur: next, Old: []*seal.Key{old}}
	if err := db.reseal(ctx, progress); err != nil {
		return err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		for _, c := range sealedCols {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM `+c.table+` WHERE `+c.col+` LIKE 'v1:%' AND `+c.col+` NOT LIKE ?`,
				"v1:"+next.ID+":%").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%s.%s 还有 %d 个值不在新密钥下（轮换时有服务在写？）：请停止服务后再次运行", c.table, c.col, n)
			}
		}
		st, _, err := cryptState(tx)
		if err != nil {
			return err
		}
		retired := strings.Join(append(st.Retired, old.ID), ",")
		_, err = tx.exec(`UPDATE crypt_state SET key_check = next_check, next_check = '', retired = ?, pending = '' WHERE id = 1`, retired)
		return err
	})
	if err != nil {
		return err
	}
	db.ring = &seal.Ring{Cur: next}
	return nil
}

// reseal brings every sealed value and blind index to the ring's present
// form: clear values sealed, values under an old key sealed again under
// the new one, blind indexes recomputed. Rows already in that form are
// left alone, so a pass run twice writes nothing the second time.
func (db *DB) reseal(ctx context.Context, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	var tables []string
	byTable := map[string][]sealedCol{}
	for _, c := range sealedCols {
		if byTable[c.table] == nil {
			tables = append(tables, c.table)
		}
		byTable[c.table] = append(byTable[c.table], c)
	}
	for _, t := range tables {
		var total int
		if err := db.queryRow(ctx, `SELECT COUNT(*) FROM `+t).Scan(&total); err != nil {
			return fmt.Errorf("reseal %s: %w", t, err)
		}
		var after int64
		done, changed := 0, 0
		for {
			n, c, last, err := db.resealBatch(ctx, t, byTable[t], after)
			if err != nil {
				return err
			}
			done, changed, after = done+n, changed+c, last
			if n > 0 {
				fmt.Fprintf(progress, "%s：%d/%d 行，改写 %d 行\n", t, done, total, changed)
			}
			if n < db.resealLimit() {
				break
			}
		}
	}
	return nil
}

// resealBatch rewrites the rows of one batch that need it, in one
// transaction, and returns how many rows it read and changed and the last
// id read.
func (db *DB) resealBatch(ctx context.Context, table string, cols []sealedCol, after int64) (n, changed int, last int64, err error) {
	sel := []string{"id"}
	for _, c := range cols {
		sel = append(sel, c.col)
		if c.bi != "" {
			sel = append(sel, c.bi)
		}
	}
	limit := db.resealLimit()
	err = db.inTx(ctx, func(tx *Tx) error {
		n, changed, last = 0, 0, after
		type row struct {
			id   int64
			vals []string
		}
		var rows []row
		err := eachRow(tx, `SELECT `+strings.Join(sel, ", ")+` FROM `+table+` WHERE id > ? ORDER BY id LIMIT ?`,
			[]any{after, limit}, func(sc scanner) error {
				r := row{vals: make([]string, len(sel)-1)}
				dst := []any{&r.id}
				for i := range r.vals {
					dst = append(dst, &r.vals[i])
				}
				if err := sc.Scan(dst...); err != nil {
					return err
				}
				rows = append(rows, r)
				return nil
			})
		if err != nil {
			return fmt.Errorf("reseal %s: %w", table, err)
		}
		// Each changed row gets all its sealed columns written: on
		// PostgreSQL in one UPDATE … FROM (VALUES …) a batch, as a
		// statement a row costs a round trip each; on SQLite a row at a
		// time, which costs nothing more.
		var changedRows [][]any
		for _, r := range rows {
			n, last = n+1, r.id
			vals := []any{r.id}
			dirty := false
			i := 0
			for _, c := range cols {
				stored := r.vals[i]
				i++
				clear, err := db.ring.Open(stored, c.aad())
				if err != nil {
					return fmt.Errorf("%s 表第 %d 行的 %s 无法解密：%w", table, r.id, c.col, err)
				}
				v := stored
				if !db.ring.Current(stored) {
					v, dirty = db.seal(clear, c.aad()), true
				}
				vals = append(vals, v)
				if c.bi != "" {
					bi := db.index(c.kind, clear)
					dirty = dirty || bi != r.vals[i]
					vals = append(vals, bi)
					i++
				}
			}
			if dirty {
				changedRows = append(changedRows, vals)
			}
		}
		changed = len(changedRows)
		return db.resealWrite(tx, table, sel, changedRows)
	})
	return n, changed, last, err
}

// resealWrite writes the rows of a batch: id then the columns of sel
// after it, in order.
func (db *DB) resealWrite(tx *Tx, table string, sel []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	conflict := func(err error, what string) error {
		if errors.Is(err, errUnique) {
			return fmt.Errorf("%s 表%s与另一行的身份证号相同，建立盲索引时冲突：请先合并这两户", table, what)
		}
		return fmt.Errorf("reseal %s%s: %w", table, what, err)
	}
	set := make([]string, len(sel)-1)
	if db.Dialect == Postgres {
		for i, c := range sel[1:] {
			set[i] = c + " = v." + c
		}
		row := "(CAST(? AS BIGINT), " + placeholders(len(sel)-1) + ")"
		var args []any
		for _, r := range rows {
			args = append(args, r...)
		}
		_, err := tx.exec(`UPDATE `+table+` t SET `+strings.Join(set, ", ")+` FROM (VALUES `+
			strings.TrimSuffix(strings.Repeat(row+", ", len(rows)), ", ")+`) AS v (`+strings.Join(sel, ", ")+`) WHERE t.id = v.id`, args...)
		if err != nil {
			return conflict(err, fmt.Sprintf("第 %d–%d 行中有一行", rows[0][0], rows[len(rows)-1][0]))
		}
		return nil
	}
	for i, c := range sel[1:] {
		set[i] = c + " = ?"
	}
	q := `UPDATE ` + table + ` SET ` + strings.Join(set, ", ") + ` WHERE id = ?`
	for _, r := range rows {
		if _, err := tx.exec(q, append(r[1:len(r):len(r)], r[0])...); err != nil {
			return conflict(err, fmt.Sprintf("第 %d 行", r[0]))
		}
	}
	return nil
}

// resealLimit is the number of rows of a batch.
func (db *DB) resealLimit() int {
	if db.resealRows > 0 {
		return db.resealRows
	}
	return resealRowsPerTx
}

// CryptStatus is what a database records of its encryption, for
// `sanlian keys status`.
type CryptStatus struct {
	KeyID   string   // key in force; "" when not encrypted
	NextID  string   // key a rotation under way moves to
	Retired []string // keys rotated away
	Pending string   // a pass under way: "index", "encrypt" or "rotate"
}

// Encrypted reports whether the database has a key.
func (s CryptStatus) Encrypted() bool { return s.KeyID != "" }

func (s CryptStatus) String() string {
	var b strings.Builder
	if s.KeyID == "" {
		b.WriteString("数据库未加密")
	} else {
		b.WriteString("数据库已加密，密钥编号 " + s.KeyID)
	}
	if s.NextID != "" {
		b.WriteString("；轮换到密钥 " + s.NextID + " 尚未完成")
	} else if s.Pending == "encrypt" {
		b.WriteString("；加密尚未完成")
	}
	if len(s.Retired) > 0 {
		b.WriteString("；已停用的密钥：" + strings.Join(s.Retired, "、"))
	}
	return b.String()
}

// CryptStatus reads the database's encryption state; it needs no key.
func (db *DB) CryptStatus(ctx context.Context) (CryptStatus, error) {
	st, pending, err := cryptState(db.reader(ctx))
	return CryptStatus{KeyID: seal.KeyID(st.Check), NextID: seal.KeyID(st.Next), Retired: st.Retired, Pending: pending}, err
}
