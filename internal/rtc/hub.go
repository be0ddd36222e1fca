// Package rtc is the signalling side of Tide's video consultations: a hub
// that pairs the two parties of a consultation on WebSockets and relays the
// offers, answers and ICE candidates their browsers exchange to set up a
// WebRTC call. The media flow between the browsers, or through a TURN
// server, never through Tide.
package rtc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// The parties of a consultation: the clinic with the patient, and the
// specialist.
const (
	Clinic     = "clinic"
	Specialist = "specialist"
)

// Close codes the hub ends a connection with. The page reconnects after any
// other code, and stays closed after these.
const (
	// StatusWindowClosed ends a connection when the consultation's window
	// closes.
	StatusWindowClosed websocket.StatusCode = 4001
	// StatusReplaced ends a party's connection when the same party joins
	// again, from another tab or device.
	StatusReplaced websocket.StatusCode = 4002
)

// Limits of one connection.
const (
	// MaxMessage bounds one message: a session description with many
	// codecs fits easily.
	MaxMessage = 64 << 10
	// MessagesPerSecond and MessageBurst bound how fast a peer may send;
	// ICE gathering sends a burst of candidates at the start.
	MessagesPerSecond = 20
	MessageBurst      = 100
	// sendQueue is how many messages wait for a slow receiver before the
	// hub gives up on it.
	sendQueue    = 64
	writeTimeout = 10 * time.Second
	pingEvery    = 25 * time.Second
)

// Hub holds the rooms: one per consultation, with at most one connection
// for each party. The zero value is not usable; call NewHub.
type Hub struct {
	mu     sync.Mutex
	rooms  map[string]map[string]*peer
	closed bool
	now    func() time.Time
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{rooms: map[string]map[string]*peer{}, now: time.Now}
}

// peer is one party's connection.
type peer struct {
	party     string
	conn      *websocket.Conn
	send      chan []byte
	left      chan struct{}
	closeOnce sync.Once
	limit     bucket
}

// close ends the connection with a close code the page can read. The close
// handshake runs by itself; the read loop sees it end.
func (p *peer) close(code websocket.StatusCode, reason string) {
	p.closeOnce.Do(func() { go p.conn.Close(code, reason) })
}

// queue hands a message to the writer, or drops the connection of a
// receiver that has fallen too far behind; its page will reconnect.
func (p *peer) queue(b []byte) {
	select {
	case p.send <- b:
	default:
		p.close(websocket.StatusTryAgainLater, "too many messages waiting")
	}
}

// Serve runs one party's connection in the room of a consultation until it
// ends: the peer leaves, the same party joins again elsewhere, the window
// closes at closes, or the hub closes. The caller has checked that the
// person is that party and that the window is open.
func (h *Hub) Serve(ctx context.Context, conn *websocket.Conn, room, party string, closes time.Time) error {
	defer conn.CloseNow()
	if party != Clinic && party != Specialist {
		conn.Close(websocket.StatusPolicyViolation, "unknown party")
		return fmt.Errorf("serve room %s: unknown party %q", room, party)
	}
	if !closes.After(h.now()) {
		conn.Close(StatusWindowClosed, "the consultation's window has closed")
		return nil
	}
	conn.SetReadLimit(MaxMessage)
	p := &peer{party: party, conn: conn, send: make(chan []byte, sendQueue), left: make(chan struct{}),
		limit: bucket{tokens: MessageBurst, at: h.now()}}
	if !h.join(room, p) {
		conn.Close(websocket.StatusGoingAway, "Tide is shutting down")
		return nil
	}
	defer h.leave(room, p)
	window := time.AfterFunc(closes.Sub(h.now()), func() {
		p.close(StatusWindowClosed, "the consultation's window has closed")
	})
	defer window.Stop()
	go p.write()
	go p.ping()
	return h.read(ctx, room, p)
}

// join puts p in the room, replacing the same party's old connection,
// welcomes it and tells the other party. Both messages are queued under the
// lock, so the other party hears of p before anything p sends it.
func (h *Hub) join(room string, p *peer) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	peers := h.rooms[room]
	if peers == nil {
		peers = map[string]*peer{}
		h.rooms[room] = peers
	}
	if old := peers[p.party]; old != nil {
		old.close(StatusReplaced, "you joined from another page")
	}
	peers[p.party] = p
	other := peers[otherParty(p.party)]
	p.queue(encode(Message{Type: TypeWelcome, Party: p.party, Peer: other != nil}))
	if other != nil {
		other.queue(encode(Message{Type: TypePeerJoined}))
	}
	return true
}

// leave takes p out of its room, unless a newer connection of its party
// replaced it, and tells the other party.
func (h *Hub) leave(room string, p *peer) {
	close(p.left)
	h.mu.Lock()
	defer h.mu.Unlock()
	peers := h.rooms[room]
	if peers[p.party] != p {
		return
	}
	delete(peers, p.party)
	if other := peers[otherParty(p.party)]; other != nil {
		other.queue(encode(Message{Type: TypePeerLeft}))
	}
	if len(peers) == 0 {
		delete(h.rooms, room)
	}
}

// read relays what p sends to the other party until the connection ends.
func (h *Hub) read(ctx context.Context, room string, p *peer) error {
	for {
		typ, b, err := p.conn.Read(ctx)
		if err != nil {
			return nil // closed by either side, or the message was too large
		}
		if typ != websocket.MessageText {
			return p.conn.Close(websocket.StatusUnsupportedData, "send JSON text messages")
		}
		if !p.limit.take(h.now()) {
			return p.conn.Close(websocket.StatusPolicyViolation, "too many messages")
		}
		out, err := parseSignal(b)
		if err != nil {
			return p.conn.Close(websocket.StatusPolicyViolation, truncate(err.Error(), 120))
		}
		h.relay(room, p, out)
	}
}

// relay queues a message for the other party; with no one there it is
// dropped, since the newcomer starts a fresh negotiation anyway.
func (h *Hub) relay(room string, from *peer, b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms[room][from.party] != from {
		return // replaced while this message was read
	}
	if other := h.rooms[room][otherParty(from.party)]; other != nil {
		other.queue(b)
	}
}

// write sends the queued messages in order.
func (p *peer) write() {
	for {
		select {
		case <-p.left:
			return
		case b := <-p.send:
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := p.conn.Write(ctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				p.conn.CloseNow()
				return
			}
		}
	}
}

// ping keeps the connection alive through proxies that end idle ones, and
// drops a peer that stopped answering.
func (p *peer) ping() {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-p.left:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
			err := p.conn.Ping(ctx)
			cancel()
			if err != nil {
				p.conn.CloseNow()
				return
			}
		}
	}
}

// Close ends every connection, telling the pages to come back later, and
// refuses new ones.
func (h *Hub) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errors.New("the hub is already closed")
	}
	h.closed = true
	for _, peers := range h.rooms {
		for _, p := range peers {
			p.close(websocket.StatusGoingAway, "Tide is shutting down")
		}
	}
	return nil
}

// Peers returns the parties connected to a room, for tests and the status
// of a consultation.
func (h *Hub) Peers(room string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, party := range []string{Clinic, Specialist} {
		if h.rooms[room][party] != nil {
			out = append(out, party)
		}
	}
	return out
}

func otherParty(party string) string {
	if party == Clinic {
		return Specialist
	}
	return Clinic
}

// truncate shortens a close reason, which must fit in 125 bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// bucket is a token bucket: MessageBurst messages at once, refilled at
// MessagesPerSecond. Only the read loop touches it.
type bucket struct {
	tokens float64
	at     time.Time
}

func (b *bucket) take(now time.Time) bool {
	b.tokens = min(MessageBurst, b.tokens+now.Sub(b.at).Seconds()*MessagesPerSecond)
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
