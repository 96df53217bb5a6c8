package sqldb

import (
	"testing"

	"sanlian"
)

func TestDB_rebind(t *testing.T) {
	for _, tc := range []struct{ in, pg string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"name = '?' AND id = ?", "name = '?' AND id = $1"},
		{"x IN (?, ?, ?) LIMIT ?", "x IN ($1, $2, $3) LIMIT $4"},
		{"a = 'it''s ?' AND b = ?", "a = 'it''s ?' AND b = $1"},
	} {
		if got := (&DB{Dialect: SQLite}).rebind(tc.in); got != tc.in {
			t.Errorf("sqlite rebind(%q) = %q", tc.in, got)
		}
		if got := (&DB{Dialect: Postgres}).rebind(tc.in); got != tc.pg {
			t.Errorf("postgres rebind(%q) = %q, want %q", tc.in, got, tc.pg)
		}
	}
}

func TestCursor(t *testing.T) {
	c := encodeCursor("12345")
	if k, err := decodeCursor(c); err != nil || k != "12345" {
		t.Errorf("decodeCursor(encodeCursor) = %q, %v", k, err)
	}
	if k, err := decodeCursor(""); err != nil || k != "" {
		t.Errorf("empty cursor = %q, %v", k, err)
	}
	if _, err := decodeCursor("bm90LWEtY3Vyc29y"); sanlian.ErrorCode(err) != sanlian.EINVALID {
		t.Errorf("foreign cursor: %v", err)
	}
}
