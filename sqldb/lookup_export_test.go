package sqldb

import (
	"context"
	"regexp"

	"sanlian"
	"sanlian/seal"
)

var otpRE = regexp.MustCompile(`\d{6}`)

// LookupCodesSentForTest returns the codes queued by SMS to phone, oldest
// first, read from the messages' texts.
func (db *DB) LookupCodesSentForTest(ctx context.Context, phone string) ([]string, error) {
	rows, err := db.reader(ctx).queryRows(`SELECT text FROM resident_messages WHERE phone_bi = ? AND event = ? ORDER BY id`,
		db.index(seal.Phone, phone), sanlian.MsgLookupCode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			return nil, err
		}
		out = append(out, otpRE.FindString(text))
	}
	return out, rows.Err()
}

// LookupRowsForTest counts the codes stored for phone and those whose
// hash column holds the code in clear (there must be none).
func (db *DB) LookupRowsForTest(ctx context.Context, phone, code string) (rows, clear int, err error) {
	bi := db.index(seal.Phone, phone)
	err = db.reader(ctx).queryOne(`SELECT COUNT(*), COUNT(CASE WHEN code_hash LIKE ? THEN 1 END) FROM lookup_codes WHERE phone_bi = ?`,
		"%"+code+"%", bi).Scan(&rows, &clear)
	return rows, clear, err
}

// NotifySMSForTest reads a problem's SMS consent.
func (db *DB) NotifySMSForTest(ctx context.Context, id int64) (on bool, err error) {
	err = db.reader(ctx).queryOne(`SELECT notify_sms FROM problems WHERE id = ?`, id).Scan(&on)
	return on, err
}
