// Package seal encrypts personal data at rest with SM4-GCM and computes
// the keyed HMAC-SM3 blind indexes that keep exact lookups working on it.
// Everything here is a pure function of its arguments: sqldb reads and
// writes, seal decides.
//
// One 32-byte secret is the key. Three keys are derived from it with
// HMAC-SM3 and fixed labels: the SM4 key (16 bytes), the blind-index key
// and the key-check key (32 bytes each), and an 8-hex-digit key id.
//
// A sealed value is stored as text: "v1:<key id>:<base64(nonce||ciphertext)>",
// with a random 12-byte nonce per value and "<table>.<column>" as the
// additional data, so that a value moved to another column fails to open.
// The empty string stays empty. A value without the "v1:" prefix is clear
// (a database not yet encrypted).
package seal

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// SecretSize is the length of a key's secret in bytes.
const SecretSize = 32

// prefix starts every sealed value.
const prefix = "v1:"

// Key is a secret and the keys derived from it.
type Key struct {
	// ID names the key in every value it seals; it reveals nothing of the
	// secret.
	ID    string
	aead  cipher.AEAD
	index []byte // blind-index key
	check []byte // key-check key
}

func derive(secret []byte, label string) []byte {
	m := hmac.New(sm3.New, secret)
	m.Write([]byte("sanlian/" + label))
	return m.Sum(nil)
}

// NewKey derives a key from a 32-byte secret.
func NewKey(secret []byte) (*Key, error) {
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("密钥长度不对：应为 %d 字节，实为 %d 字节", SecretSize, len(secret))
	}
	block, err := sm4.NewCipher(derive(secret, "sm4-gcm")[:16])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Key{ID: hex.EncodeToString(derive(secret, "key-id")[:4]), aead: aead,
		index: derive(secret, "blind-index"), check: derive(secret, "key-check")}, nil
}

// NewSecret returns a fresh random secret, base64 encoded as a key file
// and SANLIAN_KEY hold it.
func NewSecret() string {
	b := make([]byte, SecretSize)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// ParseKey reads a key as a key file or SANLIAN_KEY holds it: the base64
// of 32 bytes (surrounding white space ignored), or the 32 bytes themselves.
func ParseKey(b []byte) (*Key, error) {
	t := strings.TrimSpace(string(b))
	if raw, err := base64.StdEncoding.DecodeString(t); err == nil && len(t) > 0 {
		if len(raw) != SecretSize {
			return nil, fmt.Errorf("密钥长度不对：应为 %d 字节（base64 为 44 个字符），实为 %d 字节", SecretSize, len(raw))
		}
		return NewKey(raw)
	}
	if len(b) == SecretSize {
		return NewKey(b)
	}
	if len(t) == 0 {
		return nil, errors.New("密钥为空：应为 32 字节的 base64")
	}
	return nil, fmt.Errorf("密钥格式不对：应为 32 字节的 base64（44 个字符），实为 %d 个字符且不是 base64", len(t))
}

// LoadKeyFile reads and parses a key file.
func LoadKeyFile(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("找不到密钥文件 %s", path)
	} else if err != nil {
		return nil, fmt.Errorf("读不了密钥文件 %s：%w", path, err)
	}
	k, err := ParseKey(b)
	if err != nil {
		return nil, fmt.Errorf("密钥文件 %s：%w", path, err)
	}
	return k, nil
}

// WriteKeyFile writes a fresh key to path with mode 0600; it refuses to
// overwrite a file that is there.
func WriteKeyFile(path string) (*Key, error) {
	secret := NewSecret()
	k, err := ParseKey([]byte(secret))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("写不了密钥文件 %s：%w", path, err)
	}
	if _, err := f.WriteString(secret + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("写不了密钥文件 %s：%w", path, err)
	}
	return k, f.Close()
}

// Errors of Open; sqldb wraps them with the row they came from.
var (
	ErrNoKey      = errors.New("数据库已加密，请用 --key-file 或 SANLIAN_KEY 提供密钥")
	ErrUnknownKey = errors.New("该值由另一把密钥加密")
	ErrTampered   = errors.New("密文校验失败（被改动、被移到别的列，或密钥不符）")
	ErrMalformed  = errors.New("密文格式不对")
)

// Ring is the keys a database is used with: Cur seals, and Cur or any of
// Old opens. A Ring without Cur is a database not encrypted: Seal stores
// values clear and Index keeps their normalised form.
type Ring struct {
	Cur *Key
	Old []*Key
}

// Plain reports whether the ring stores values clear.
func (r *Ring) Plain() bool { return r == nil || r.Cur == nil }

// Seal encrypts v for the column aad ("table.column").
func (r *Ring) Seal(v, aad string) string {
	if v == "" || r.Plain() {
		return v
	}
	k := r.Cur
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(v)+k.aead.Overhead())
	rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, []byte(v), []byte(aad))
	return prefix + k.ID + ":" + base64.RawStdEncoding.EncodeToString(out)
}

// KeyID returns the id of the key that sealed s, "" when s is clear.
func KeyID(s string) string {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

// Open decrypts a stored value of the column aad. A clear value comes
// back as it is.
func (r *Ring) Open(s, aad string) (string, error) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return s, nil
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", ErrMalformed
	}
	if r.Plain() {
		return "", ErrNoKey
	}
	k := r.Cur
	if k.ID != id {
		k = nil
		for _, o := range r.Old {
			if o.ID == id {
				k = o
			}
		}
	}
	if k == nil {
		return "", fmt.Errorf("%w（密钥编号 %s）", ErrUnknownKey, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return "", ErrMalformed
	}
	n := k.aead.NonceSize()
	clear, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", ErrTampered
	}
	return string(clear), nil
}

// Current reports whether s is stored as the ring stores new values: under
// Cur, or clear for a plain ring. Empty is always current.
func (r *Ring) Current(s string) bool {
	if s == "" {
		return true
	}
	if r.Plain() {
		return KeyID(s) == ""
	}
	return KeyID(s) == r.Cur.ID
}

// Kinds of value a blind index normalises.
const (
	Phone    = "phone"     // digits only
	IDNumber = "id_number" // upper case, no spaces
)

// Normalise returns the form of v a blind index is computed over.
func Normalise(kind, v string) string {
	switch kind {
	case Phone:
		var b strings.Builder
		for _, c := range v {
			if c >= '0' && c <= '9' {
				b.WriteRune(c)
			}
		}
		return b.String()
	default:
		return strings.ToUpper(strings.Join(strings.Fields(v), ""))
	}
}

// Index returns the blind index of v: the first 16 bytes of HMAC-SM3 of
// its kind and normalised form, base64; for a plain ring the normalised
// form itself, prefixed "p:". Empty stays empty.
func (r *Ring) Index(kind, v string) string {
	n := Normalise(kind, v)
	if n == "" {
		return ""
	}
	if r.Plain() {
		return "p:" + n
	}
	m := hmac.New(sm3.New, r.Cur.index)
	m.Write([]byte(kind + "\x00" + n))
	return base64.RawStdEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Check returns the key check a database stores for key k: its id and an
// HMAC-SM3 over the database's random identity.
func Check(k *Key, identity string) string {
	m := hmac.New(sm3.New, k.check)
	m.Write([]byte("key-check\x00" + identity))
	return prefix + k.ID + ":" + hex.EncodeToString(m.Sum(nil))
}

// State is what a database records of its encryption.
type State struct {
	Identity string   // random, made when the database is
	Check    string   // key check of the key in force; "" while not encrypted
	Next     string   // key check of the key a rotation moves to; "" when none runs
	Retired  []string // ids of the keys rotated away
}

// ErrRotating refuses a start while a rotation is unfinished.
var ErrRotating = errors.New("密钥轮换尚未完成：请再次运行 sanlian keys rotate（带上旧密钥和新密钥）")

// Unlock decides whether key k may open a database in state st. A nil k
// on a database not encrypted is allowed (it runs clear); on an encrypted
// one it is ErrNoKey. A retired key, another database's key and a wrong
// key each have their own error.
func Unlock(st State, k *Key) error {
	if st.Next != "" {
		return ErrRotating
	}
	if st.Check == "" {
		return nil
	}
	if k == nil {
		return ErrNoKey
	}
	return Matches(st, st.Check, k)
}

// Matches checks k against the key check want of a database in state st.
func Matches(st State, want string, k *Key) error {
	wantID := KeyID(want)
	if k.ID != wantID {
		for _, r := range st.Retired {
			if r == k.ID {
				return fmt.Errorf("密钥 %s 已在轮换后停用：请使用新密钥 %s", k.ID, wantID)
			}
		}
		return fmt.Errorf("密钥 %s 不是此数据库的密钥（此数据库要求密钥 %s）", k.ID, wantID)
	}
	if !hmac.Equal([]byte(Check(k, st.Identity)), []byte(want)) {
		return fmt.Errorf("密钥 %s 与此数据库的密钥校验不符：它属于另一个数据库", k.ID)
	}
	return nil
}
