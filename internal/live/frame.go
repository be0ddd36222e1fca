package live

import (
	"encoding/json"
	"strconv"
	"time"
)

// heartbeat is the comment line a quiet room sends.
var heartbeat = []byte(": heartbeat\n\n")

// Sale is one line of a room's order ticker: the orders of a product since
// the previous frame, the units they took, and the time of the latest.
type Sale struct {
	Product  string `json:"product"`
	Orders   int64  `json:"orders"`
	Quantity int64  `json:"quantity"`
	AtMs     int64  `json:"at_ms"`
}

// Frame is the data of one server-sent event. A snapshot carries the recent
// comments; an update carries what changed since the previous frame. Both
// carry the whole stock and likes, which are small, so a viewer who skipped
// frames is never wrong for long.
type Frame struct {
	Type     string         `json:"type"` // snapshot or update
	Seq      int64          `json:"seq"`
	SentMs   int64          `json:"sent_ms"` // when the server encoded it, Unix ms
	Status   string         `json:"status"`
	Likes    int64          `json:"likes"`
	Products []ProductState `json:"products"`
	Ticker   []Sale         `json:"ticker,omitempty"`
	Comments []Comment      `json:"comments,omitempty"`
	Removed  []string       `json:"removed,omitempty"`
}

// tick sends an update when anything changed, else a heartbeat when the room
// has been quiet for long.
func (r *room) tick(now time.Time, hb time.Duration) {
	if !r.changed.Swap(false) {
		if now.Sub(r.lastSent) >= hb {
			r.mu.Lock()
			r.broadcast(heartbeat, now)
			r.mu.Unlock()
		}
		return
	}
	f := Frame{Type: "update", Status: "", Products: make([]ProductState, len(r.cells))}
	for i, c := range r.cells {
		f.Products[i] = ProductState{ID: c.id, Available: c.available.Load()}
		if n := c.orders.Swap(0); n > 0 {
			f.Ticker = append(f.Ticker, Sale{Product: c.id, Orders: n, Quantity: c.quantity.Swap(0), AtMs: c.lastSale.Load()})
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	f.Seq, f.Status, f.Likes = r.seq, r.status, r.likes.Load()
	f.Comments, f.Removed = r.fresh, r.removed
	r.fresh, r.removed = nil, nil
	r.broadcast(encode(&f, time.Now()), now)
}

// snapshotFrame is what a new viewer gets first; the caller holds r.mu.
func (r *room) snapshotFrame(now time.Time) []byte {
	f := Frame{Type: "snapshot", Seq: r.seq, Status: r.status, Likes: r.likes.Load(),
		Products: make([]ProductState, len(r.cells)), Comments: r.recent}
	for i, c := range r.cells {
		f.Products[i] = ProductState{ID: c.id, Name: c.name, Available: c.available.Load()}
	}
	return encode(&f, now)
}

// encode writes f as one event, stamped with the time it is sent.
func encode(f *Frame, now time.Time) []byte {
	f.SentMs = now.UnixMilli()
	data, err := json.Marshal(f)
	if err != nil {
		panic(err) // a Frame always encodes
	}
	b := make([]byte, 0, len(data)+32)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, f.Seq, 10)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// broadcast hands the same frame to every viewer. A viewer whose previous
// frame is still unread has it replaced: slow viewers skip, the room never
// waits. The caller holds r.mu, the only lock under which frames are sent.
func (r *room) broadcast(frame []byte, now time.Time) {
	r.lastSent = now
	for s := range r.subs {
		select {
		case s.c <- frame:
			continue
		default:
		}
		select {
		case <-s.c:
		default:
		}
		select {
		case s.c <- frame:
		default:
		}
	}
}
