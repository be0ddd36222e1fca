// Package market is the live-sale side of Tide: sellers in poor areas (a
// registered household or a cooperative), their products, live rooms where
// the products are sold, and orders that never oversell and never lose a sale
// they acknowledged.
package market

import (
	"encoding/binary"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/tide-project/tide/internal/tide"
)

// Bounds on what sellers type, so a page never has to lay out a novel.
const (
	MaxNameLen  = 100
	MaxTitleLen = 200
	MaxURLLen   = 500
)

// NewID returns a public identifier: a lowercase ULID, ordered by time to the
// millisecond so indexes grow at one end, with 80 random bits so it cannot be
// guessed. The bits come from the runtime's per-thread ChaCha8 generator, so
// many goroutines make IDs at once without sharing a lock.
func NewID() string {
	var id ulid.ULID
	if err := id.SetTime(ulid.Now()); err != nil {
		panic(err) // only for times after the year 10889
	}
	binary.BigEndian.PutUint64(id[6:14], rand.Uint64())
	binary.BigEndian.PutUint16(id[14:], uint16(rand.Uint32()))
	var b [ulid.EncodedSize]byte
	if err := id.MarshalTextTo(b[:]); err != nil {
		panic(err) // the buffer is the right size
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b[:])
}

// RoomStatus is where a live room stands.
type RoomStatus string

// A room is scheduled, then live (orders are taken only then), then ended.
const (
	RoomScheduled RoomStatus = "scheduled"
	RoomLive      RoomStatus = "live"
	RoomEnded     RoomStatus = "ended"
)

// CanBecome reports whether a room may move from s to next: forward only, and
// a scheduled room may end without going live.
func (s RoomStatus) CanBecome(next RoomStatus) bool {
	switch s {
	case RoomScheduled:
		return next == RoomLive || next == RoomEnded
	case RoomLive:
		return next == RoomEnded
	}
	return false
}

// MaxRoomProducts bounds the products on sale in one room.
const MaxRoomProducts = 100

// Room is a live sale: a seller's stream and the products on sale in it.
type Room struct {
	ID        string     `json:"id"`
	SellerID  string     `json:"seller"`
	Region    string     `json:"region"` // the seller's, for scope
	Title     string     `json:"title"`
	StreamURL string     `json:"stream_url,omitempty"`
	Status    RoomStatus `json:"status"`
	StartsAt  time.Time  `json:"starts_at"`
	Products  []string   `json:"products"`
	// Likes counts every like the room has had; the live hub sums them in
	// memory and adds them in batches.
	Likes     int64     `json:"likes"`
	CreatedAt time.Time `json:"created_at"`
}

// RoomFilter selects rooms.
type RoomFilter struct {
	Status   RoomStatus
	SellerID string
	Offset   int
	Limit    int
}

// Has reports whether product is on sale in the room.
func (r *Room) Has(product string) bool {
	for _, p := range r.Products {
		if p == product {
			return true
		}
	}
	return false
}

// Validate checks the room on its own; that its products belong to its seller
// is checked by the service.
func (r *Room) Validate() error {
	r.Title, r.StreamURL = strings.TrimSpace(r.Title), strings.TrimSpace(r.StreamURL)
	switch {
	case r.Title == "":
		return tide.Invalid("title", "title is required")
	case utf8.RuneCountInString(r.Title) > MaxTitleLen:
		return tide.Invalid("title", "title is longer than %d characters", MaxTitleLen)
	case len(r.StreamURL) > MaxURLLen:
		return tide.Invalid("stream_url", "stream address is longer than %d characters", MaxURLLen)
	case r.StreamURL != "" && !webURL(r.StreamURL):
		return tide.Invalid("stream_url", "stream address must be an http or https URL")
	case r.Status != RoomScheduled && r.Status != RoomLive && r.Status != RoomEnded:
		return tide.Invalid("status", "status must be scheduled, live or ended")
	case len(r.Products) == 0:
		return tide.Invalid("products", "a room needs at least one product")
	case len(r.Products) > MaxRoomProducts:
		return tide.Invalid("products", "a room may hold at most %d products", MaxRoomProducts)
	}
	seen := make(map[string]bool, len(r.Products))
	for i, p := range r.Products {
		if seen[p] {
			return tide.Invalid("products", "product %d (%s) is listed twice", i+1, p)
		}
		seen[p] = true
	}
	return nil
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
