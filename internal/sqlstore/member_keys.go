package sqlstore

import (
	"encoding/hex"

	"github.com/tide-project/tide/internal/tide"
)

// memberKey is a member column the registry finds members by: the keyed
// hash of the ID number, or the normalised phone. The registry handles ID
// hashes as hex; the store keeps their bytes (see migration 00005), which
// halves what the column and its unique index hold.
type memberKey struct {
	col    string
	hashed bool
}

var (
	idHashKey = memberKey{col: "id_hash", hashed: true}
	phoneKey  = memberKey{col: "phone_norm"}
)

// arg is the stored form of the registry's value v, NULL when v is empty.
func (k memberKey) arg(v string) (any, error) {
	if v == "" {
		return nil, nil
	}
	if !k.hashed {
		return v, nil
	}
	b, err := hex.DecodeString(v)
	if err != nil {
		return nil, errNotHex
	}
	return b, nil
}

// errNotHex refuses an ID hash that is not hex.
var errNotHex = tide.Invalid("members.id_hash", "an ID hash is written in hex digits")

// queue queues v, the registry's value, in the stored form as the next
// value of b's row.
func (k memberKey) queue(b *rowBatcher, v string) {
	if k.hashed {
		b.hexBlob(v, errNotHex)
	} else {
		b.textOrNull(v)
	}
}

// text is the registry's form of a stored value read into b.
func (k memberKey) text(b []byte) string {
	if k.hashed {
		return hex.EncodeToString(b)
	}
	return string(b)
}

// args turns the registry's values into stored ones.
func (k memberKey) args(vals []string) ([]any, error) {
	out := make([]any, len(vals))
	for i, v := range vals {
		a, err := k.arg(v)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}
