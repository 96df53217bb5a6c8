package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustKey(t *testing.T, b byte) *Key {
	t.Helper()
	k, err := NewKey(bytes.Repeat([]byte{b}, SecretSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRing_SealOpen(t *testing.T) {
	a, b := mustKey(t, 1), mustKey(t, 2)
	ring := &Ring{Cur: a}
	s := ring.Seal("13600002222", "problems.reporter_phone")
	if !strings.HasPrefix(s, "v1:"+a.ID+":") || strings.Contains(s, "13600002222") {
		t.Fatalf("sealed %q", s)
	}
	if s2 := ring.Seal("13600002222", "problems.reporter_phone"); s2 == s {
		t.Error("two seals of one value are equal: nonce not random")
	}
	// One byte of the ciphertext changed, the text still well formed.
	head, body := s[:strings.LastIndex(s, ":")+1], s[strings.LastIndex(s, ":")+1:]
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 0x01
	tampered := head + base64.RawStdEncoding.EncodeToString(raw)
	tests := []struct {
		name   string
		ring   *Ring
		stored string
		aad    string
		want   string
		err    error
	}{
		{"OK", ring, s, "problems.reporter_phone", "13600002222", nil},
		{"Empty", ring, "", "x.y", "", nil},
		{"Clear", ring, "13600002222", "x.y", "13600002222", nil},
		{"OldKey", &Ring{Cur: b, Old: []*Key{a}}, s, "problems.reporter_phone", "13600002222", nil},
		{"ErrOtherColumn", ring, s, "households.phone", "", ErrTampered},
		{"ErrTampered", ring, string(tampered), "problems.reporter_phone", "", ErrTampered},
		{"ErrUnknownKey", &Ring{Cur: b}, s, "problems.reporter_phone", "", ErrUnknownKey},
		{"ErrNoKey", &Ring{}, s, "problems.reporter_phone", "", ErrNoKey},
		{"ErrMalformed", ring, "v1:" + a.ID, "x.y", "", ErrMalformed},
		{"ErrShort", ring, "v1:" + a.ID + ":AAAA", "x.y", "", ErrMalformed},
		{"ErrNotBase64", ring, "v1:" + a.ID + ":!!!", "x.y", "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ring.Open(tt.stored, tt.aad)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("Open = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
	if got := (&Ring{}).Seal("x", "a.b"); got != "x" {
		t.Errorf("plain ring sealed %q", got)
	}
	if got := ring.Seal("", "a.b"); got != "" {
		t.Errorf("empty sealed to %q", got)
	}
}

func TestRing_Current(t *testing.T) {
	a, b := mustKey(t, 1), mustKey(t, 2)
	sa := (&Ring{Cur: a}).Seal("1", "a.b")
	for _, tt := range []struct {
		ring   *Ring
		stored string
		want   bool
	}{
		{&Ring{Cur: a}, sa, true},
		{&Ring{Cur: b}, sa, false},
		{&Ring{Cur: a}, "138", false},
		{&Ring{Cur: a}, "", true},
		{&Ring{}, "138", true},
		{&Ring{}, sa, false},
	} {
		if got := tt.ring.Current(tt.stored); got != tt.want {
			t.Errorf("Current(%q) = %v", tt.stored, got)
		}
	}
}

func TestRing_Index(t *testing.T) {
	a, b := mustKey(t, 1), mustKey(t, 2)
	ra := &Ring{Cur: a}
	same := [][2]string{
		{"13600002222", "136-0000-2222"},
		{"13600002222", "136 0000 2222"},
	}
	for _, p := range same {
		if ra.Index(Phone, p[0]) != ra.Index(Phone, p[1]) {
			t.Errorf("phones %q and %q index differently", p[0], p[1])
		}
	}
	if ra.Index(IDNumber, "43092319880202345x") != ra.Index(IDNumber, "43092319880202345X") {
		t.Error("ID number index depends on case")
	}
	if ra.Index(Phone, "13600002222") == ra.Index(IDNumber, "13600002222") {
		t.Error("a phone and an ID number with the same digits share an index")
	}
	if ra.Index(Phone, "13600002222") == (&Ring{Cur: b}).Index(Phone, "13600002222") {
		t.Error("two keys give one index")
	}
	if got := ra.Index(Phone, "--"); got != "" {
		t.Errorf("index of nothing = %q", got)
	}
	if got := (&Ring{}).Index(Phone, "136-0000-2222"); got != "p:13600002222" {
		t.Errorf("plain index = %q", got)
	}
	if strings.Contains(ra.Index(Phone, "13600002222"), "136") {
		t.Error("index shows the phone")
	}
}

func TestParseKey(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, SecretSize)
	b64 := base64.StdEncoding.EncodeToString(secret)
	for _, tt := range []struct {
		name, in, err string
	}{
		{"Base64", b64, ""},
		{"Base64Newline", b64 + "\n", ""},
		{"Raw", string(secret), ""},
		{"ErrShortBase64", base64.StdEncoding.EncodeToString(secret[:16]), "实为 16 字节"},
		{"ErrLongBase64", base64.StdEncoding.EncodeToString(append(secret, 1)), "实为 33 字节"},
		{"ErrEmpty", "\n", "密钥为空"},
		{"ErrGarbage", "not a key at all", "不是 base64"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKey([]byte(tt.in))
			if tt.err == "" {
				if err != nil || k.ID != mustKey(t, 7).ID {
					t.Fatalf("ParseKey: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("ParseKey err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	k, err := WriteKeyFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", fi.Mode())
	}
	got, err := LoadKeyFile(p)
	if err != nil || got.ID != k.ID {
		t.Fatalf("LoadKeyFile = %v, %v", got, err)
	}
	if _, err := WriteKeyFile(p); err == nil {
		t.Error("WriteKeyFile overwrote a key file")
	}
	if _, err := LoadKeyFile(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "找不到密钥文件") {
		t.Errorf("missing key file: %v", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte(base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))), 0o600)
	if _, err := LoadKeyFile(short); err == nil || !strings.Contains(err.Error(), "长度不对") || !strings.Contains(err.Error(), short) {
		t.Errorf("short key file: %v", err)
	}
}

func TestUnlock(t *testing.T) {
	a, b, c := mustKey(t, 1), mustKey(t, 2), mustKey(t, 3)
	st := State{Identity: "db-1", Check: Check(a, "db-1"), Retired: []string{c.ID}}
	forged := State{Identity: "db-1", Check: Check(a, "db-2")}
	for _, tt := range []struct {
		name string
		st   State
		k    *Key
		err  string
	}{
		{"Plain", State{Identity: "db-1"}, nil, ""},
		{"PlainGetsKey", State{Identity: "db-1"}, a, ""},
		{"OK", st, a, ""},
		{"ErrNoKey", st, nil, "数据库已加密，请用 --key-file 或 SANLIAN_KEY 提供密钥"},
		{"ErrOtherDatabase", st, b, "不是此数据库的密钥"},
		{"ErrRetired", st, c, "已在轮换后停用"},
		{"ErrCheck", forged, a, "密钥校验不符"},
		{"ErrRotating", State{Identity: "db-1", Check: st.Check, Next: Check(b, "db-1")}, a, "轮换尚未完成"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Unlock(tt.st, tt.k)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Unlock = %v, want %q", err, tt.err)
			}
		})
	}
}

// BenchmarkRing times sealing and opening a phone, and its blind index.
func BenchmarkRing(b *testing.B) {
	k, _ := NewKey(bytes.Repeat([]byte{1}, SecretSize))
	r := &Ring{Cur: k}
	s := r.Seal("13912345678", "households.phone")
	b.Run("seal", func(b *testing.B) {
		for b.Loop() {
			r.Seal("13912345678", "households.phone")
		}
	})
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			if _, err := r.Open(s, "households.phone"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("index", func(b *testing.B) {
		for b.Loop() {
			r.Index(Phone, "13912345678")
		}
	})
}
