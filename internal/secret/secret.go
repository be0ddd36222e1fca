// Package secret seals personal identifiers at rest: national ID numbers are
// encrypted with AES-256-GCM and found again through a keyed hash, so the
// database alone reveals neither the numbers nor which rows share one.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// KeyLen is the length of a key in bytes.
const KeyLen = 32

// Sealer encrypts and hashes with keys derived from one master key.
type Sealer struct {
	aead   cipher.AEAD
	macKey []byte
	// macs holds keyed HMAC states for reuse: keying one costs more than
	// hashing a short ID number, and an import hashes millions.
	macs sync.Pool
}

// New returns a sealer for a 32-byte master key.
func New(master []byte) (*Sealer, error) {
	if len(master) != KeyLen {
		return nil, fmt.Errorf("the ID key must be %d bytes, got %d", KeyLen, len(master))
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("tide id encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead, macKey: derive("tide id lookup")}
	s.macs.New = func() any { return &macState{mac: hmac.New(sha256.New, s.macKey)} }
	return s, nil
}

// ParseKey reads a key written as 64 hex digits or as base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeyLen {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == KeyLen {
		return b, nil
	}
	return nil, errors.New("the ID key must be 32 bytes written as 64 hex digits or base64")
}

// LoadOrCreateKey reads the key file at path, creating it with a random key
// (mode 0600) when it does not exist.
func LoadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, KeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

// Seal encrypts plain and writes it as base64 text without padding, for
// columns that hold text; each call gives a different value.
func (s *Sealer) Seal(plain string) string {
	return base64.RawStdEncoding.EncodeToString(s.SealBytes(plain))
}

// Open decrypts what Seal made.
func (s *Sealer) Open(sealed string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil {
		return "", errors.New("sealed value is malformed")
	}
	return s.OpenBytes(b)
}

// SealBytes encrypts plain: the nonce, then the ciphertext and its tag. Each
// call gives a different value. Kept as bytes, it is a quarter shorter than
// Seal's text and costs no encoding either way.
func (s *Sealer) SealBytes(plain string) []byte {
	n := s.aead.NonceSize()
	out := make([]byte, n, n+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		panic(err)
	}
	return s.aead.Seal(out, out, []byte(plain), nil)
}

// OpenBytes decrypts what SealBytes made.
func (s *Sealer) OpenBytes(sealed []byte) (string, error) {
	if len(sealed) < s.aead.NonceSize() {
		return "", errors.New("sealed value is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", errors.New("sealed value does not open with this key")
	}
	return string(plain), nil
}

// Hash returns the keyed hash of plain, for finding a value without storing it.
func (s *Sealer) Hash(plain string) string {
	m := s.macs.Get().(*macState)
	m.mac.Reset()
	m.buf = append(m.buf[:0], plain...)
	m.mac.Write(m.buf)
	hex.Encode(m.hex[:], m.mac.Sum(m.sum[:0]))
	h := string(m.hex[:])
	s.macs.Put(m)
	return h
}

// macState is a keyed HMAC with the buffers a hash goes through, reused so
// that a hash allocates nothing but its answer: an import hashes millions.
type macState struct {
	mac hash.Hash
	buf []byte
	sum [sha256.Size]byte
	hex [2 * sha256.Size]byte
}
