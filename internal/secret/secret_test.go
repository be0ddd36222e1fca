package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"
)

func TestSealOpenHash(t *testing.T) {
	key, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "id.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	a, b := s.Seal("52010119800101001X"), s.Seal("52010119800101001X")
	if a == b {
		t.Error("two seals of one value are equal; the nonce is not random")
	}
	if got, err := s.Open(a); err != nil || got != "52010119800101001X" {
		t.Errorf("Open = %q, %v", got, err)
	}
	if got, err := s.OpenBytes(s.SealBytes("52010119800101001X")); err != nil || got != "52010119800101001X" {
		t.Errorf("OpenBytes = %q, %v", got, err)
	}
	if s.Hash("x") != s.Hash("x") || s.Hash("x") == s.Hash("y") {
		t.Error("hash is not a function of its input")
	}
	other, _ := New(make([]byte, KeyLen))
	if _, err := other.Open(a); err == nil {
		t.Error("a value opened with the wrong key")
	}
	if other.Hash("x") == s.Hash("x") {
		t.Error("hashes under different keys agree")
	}
}

// TestHashKnownAnswer pins the keyed hash, since stored hashes must keep
// matching: HMAC-SHA256 under the key derived from an all-zero master key.
func TestHashKnownAnswer(t *testing.T) {
	s, err := New(make([]byte, KeyLen))
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, s.macKey)
	mac.Write([]byte("52010119800101001X"))
	want := hex.EncodeToString(mac.Sum(nil))
	for i := range 3 { // reused states must give the same answer
		if got := s.Hash("52010119800101001X"); got != want {
			t.Fatalf("call %d: Hash = %s, want %s", i, got, want)
		}
	}
	if got := s.Hash("520101198001010028"); got == want {
		t.Error("a reused state kept the previous input")
	}
}

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"Hex", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", true},
		{"Base64", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", true},
		{"ErrShort", "abcd", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseKey(tc.in)
			if got := err == nil; got != tc.ok {
				t.Errorf("ok = %v, want %v (%v)", got, tc.ok, err)
			}
		})
	}
}

func BenchmarkHash(b *testing.B) {
	s, err := New(make([]byte, KeyLen))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Hash("52010119800101001X")
	}
}
