// Package audit describes the append-only, hash-chained log of every write.
// Stores append an Entry in the same transaction as the write it records, so a
// change and its record land together or not at all.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Change is what a domain service tells its store to record with a write.
type Change struct {
	Actor    string // the acting person's name
	Action   string // create, update, delete, import, login …
	Entity   string // region, user, token, household …
	EntityID string
	Before   any // nil on create
	After    any // nil on delete
}

// Entry is one stored record of the log.
type Entry struct {
	Seq      int64           `json:"seq"`
	At       time.Time       `json:"at"`
	Actor    string          `json:"actor"`
	Action   string          `json:"action"`
	Entity   string          `json:"entity"`
	EntityID string          `json:"entity_id"`
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// NewEntry turns a change into the entry that follows prev (the previous
// entry's hash, "" for the first) and computes its hash.
func NewEntry(c Change, seq int64, at time.Time, prevHash string) (Entry, error) {
	e := Entry{Seq: seq, At: at.UTC().Truncate(time.Microsecond), Actor: c.Actor,
		Action: c.Action, Entity: c.Entity, EntityID: c.EntityID, PrevHash: prevHash}
	var err error
	if e.Before, err = marshal(c.Before); err != nil {
		return e, err
	}
	if e.After, err = marshal(c.After); err != nil {
		return e, err
	}
	e.Hash = e.ComputeHash()
	return e, nil
}

// marshal encodes a change's before or after. JSON a service made already
// (a json.RawMessage from json.Marshal, compact and valid) is kept as it is:
// re-encoding it would only check and copy it again inside the store's
// transaction.
func marshal(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if v == nil {
			return json.RawMessage("null"), nil
		}
		return v, nil
	}
	return json.Marshal(v)
}

// ComputeHash returns the SHA-256 over the entry's fields and its predecessor's
// hash. Each field is length-prefixed so no two entries share an encoding.
func (e *Entry) ComputeHash() string {
	h := sha256.New()
	var buf []byte
	field := func(b []byte) {
		buf = append(strconv.AppendInt(buf[:0], int64(len(b)), 10), ':')
		h.Write(buf)
		h.Write(b)
	}
	for _, s := range []string{strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Entity, e.EntityID} {
		field([]byte(s))
	}
	// Before and after are hashed as they are, without copies: they are the
	// bulk of an entry.
	field(e.Before)
	field(e.After)
	field([]byte(e.PrevHash))
	return hex.EncodeToString(h.Sum(nil))
}

// Store reads the log in sequence order.
type Store interface {
	// EachAuditEntry calls fn for every entry in ascending Seq until fn returns false.
	EachAuditEntry(ctx context.Context, fn func(Entry) bool) error
	// FindAuditEntries returns entries newest first, at most limit after skipping offset.
	FindAuditEntries(ctx context.Context, f Filter) ([]Entry, int, error)
}

// Filter selects entries for display.
type Filter struct {
	Entity   string
	EntityID string
	Offset   int
	Limit    int
}

// Break describes the first entry whose chain does not hold.
type Break struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// Verify walks the log and returns the first broken entry, or nil when the
// whole chain holds. It also returns the number of entries checked.
func Verify(ctx context.Context, s Store) (*Break, int64, error) {
	var brk *Break
	var n int64
	prev, lastSeq := "", int64(0)
	err := s.EachAuditEntry(ctx, func(e Entry) bool {
		n++
		switch {
		case e.Seq != lastSeq+1:
			brk = &Break{Seq: e.Seq, Reason: "sequence gap after " + strconv.FormatInt(lastSeq, 10)}
		case e.PrevHash != prev:
			brk = &Break{Seq: e.Seq, Reason: "previous hash does not match the entry before it"}
		case e.ComputeHash() != e.Hash:
			brk = &Break{Seq: e.Seq, Reason: "content does not match its hash"}
		}
		prev, lastSeq = e.Hash, e.Seq
		return brk == nil
	})
	return brk, n, err
}
