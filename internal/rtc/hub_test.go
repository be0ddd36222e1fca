package rtc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// testHub serves a hub over real HTTP: /ROOM/PARTY joins ROOM as PARTY, with
// the window closing at the time closes returns.
type testHub struct {
	hub    *Hub
	url    string
	mu     sync.Mutex
	closes time.Time
}

func startHub(tb testing.TB) *testHub {
	tb.Helper()
	th := &testHub{hub: NewHub(), closes: time.Now().Add(time.Hour)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room, party, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		th.mu.Lock()
		closes := th.closes
		th.mu.Unlock()
		th.hub.Serve(r.Context(), conn, room, party, closes)
	}))
	tb.Cleanup(srv.Close)
	th.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return th
}

func (th *testHub) setCloses(t time.Time) {
	th.mu.Lock()
	th.closes = t
	th.mu.Unlock()
}

// dial joins a room as a party.
func (th *testHub) dial(tb testing.TB, room, party string) *websocket.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, th.url+"/"+room+"/"+party, nil)
	if err != nil {
		tb.Fatalf("join %s as %s: %v", room, party, err)
	}
	c.SetReadLimit(2 * MaxMessage)
	tb.Cleanup(func() { c.CloseNow() })
	return c
}

// join dials and reads the welcome.
func (th *testHub) join(tb testing.TB, room, party string, wantPeer bool) *websocket.Conn {
	tb.Helper()
	c := th.dial(tb, room, party)
	m := next(tb, c)
	if m.Type != TypeWelcome || m.Party != party || m.Peer != wantPeer {
		tb.Fatalf("%s's first message = %+v, want a welcome to %s with peer %v", party, m, party, wantPeer)
	}
	return c
}

func next(tb testing.TB, c *websocket.Conn) Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	var m Message
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("message %s: %v", b, err)
	}
	return m
}

func send(tb testing.TB, c *websocket.Conn, msg string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		tb.Fatalf("send %s: %v", msg, err)
	}
}

// closed reads until the connection ends and returns how the hub closed it.
func closed(tb testing.TB, c *websocket.Conn) websocket.CloseError {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err == nil {
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			tb.Fatalf("the connection ended without a close frame: %v", err)
		}
		return ce
	}
}

func wantPeers(tb testing.TB, h *Hub, room string, want ...string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := h.Peers(room)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("peers of %s = %v, want %v", room, got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const offer = `{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n","extra":"dropped"}`

func TestRelay(t *testing.T) {
	th := startHub(t)
	clinic := th.join(t, "c1", Clinic, false)
	specialist := th.join(t, "c1", Specialist, true)
	if m := next(t, clinic); m.Type != TypePeerJoined {
		t.Fatalf("the clinic got %+v, want %s", m, TypePeerJoined)
	}

	send(t, specialist, offer)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, raw, err := clinic.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(raw), `{"type":"offer","sdp":"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}`; got != want {
		t.Errorf("the clinic received %s, want %s", got, want)
	}

	send(t, clinic, `{"type":"answer","sdp":"v=0\r\nanswer"}`)
	if m := next(t, specialist); m.Type != TypeAnswer || m.SDP != "v=0\r\nanswer" {
		t.Errorf("the specialist got %+v, want the answer", m)
	}
	send(t, clinic, `{"type":"candidate","candidate":{"candidate":"candidate:1 1 udp 1 127.0.0.1 5000 typ host","sdpMid":"0","sdpMLineIndex":0}}`)
	m := next(t, specialist)
	if m.Type != TypeCandidate || m.Candidate == nil || m.Candidate.Candidate != "candidate:1 1 udp 1 127.0.0.1 5000 typ host" ||
		m.Candidate.SDPMid == nil || *m.Candidate.SDPMid != "0" || m.Candidate.SDPMLineIndex == nil || *m.Candidate.SDPMLineIndex != 0 {
		t.Errorf("the specialist got %+v, want the candidate", m)
	}
	send(t, specialist, `{"type":"bye"}`)
	if m := next(t, clinic); m.Type != TypeBye {
		t.Errorf("the clinic got %+v, want bye", m)
	}

	specialist.Close(websocket.StatusNormalClosure, "")
	if m := next(t, clinic); m.Type != TypePeerLeft {
		t.Errorf("after the specialist left the clinic got %+v, want %s", m, TypePeerLeft)
	}
	wantPeers(t, th.hub, "c1", Clinic)
	clinic.Close(websocket.StatusNormalClosure, "")
	wantPeers(t, th.hub, "c1")
}

func TestRoomsApart(t *testing.T) {
	th := startHub(t)
	a := th.join(t, "a", Clinic, false)
	th.join(t, "b", Specialist, false) // no peer in room b's eyes, and none told in a
	aSpecialist := th.join(t, "a", Specialist, true)
	if m := next(t, a); m.Type != TypePeerJoined {
		t.Fatalf("room a's clinic got %+v, want %s", m, TypePeerJoined)
	}
	b := th.join(t, "b", Clinic, true)
	send(t, b, offer)
	send(t, aSpecialist, `{"type":"bye"}`)
	if m := next(t, a); m.Type != TypeBye {
		t.Errorf("room a's clinic got %+v, want the bye of room a, not room b's offer", m)
	}
}

func TestRejoinReplaces(t *testing.T) {
	th := startHub(t)
	first := th.join(t, "c1", Clinic, false)
	specialist := th.join(t, "c1", Specialist, true)
	next(t, first) // peer-joined
	second := th.join(t, "c1", Clinic, true)
	if ce := closed(t, first); ce.Code != StatusReplaced {
		t.Errorf("the replaced connection closed with %v, want %v", ce, StatusReplaced)
	}
	if m := next(t, specialist); m.Type != TypePeerJoined {
		t.Errorf("the specialist got %+v, want %s", m, TypePeerJoined)
	}
	send(t, specialist, offer)
	if m := next(t, second); m.Type != TypeOffer {
		t.Errorf("the new clinic connection got %+v, want the offer", m)
	}
	wantPeers(t, th.hub, "c1", Clinic, Specialist)
}

func TestWindowCloses(t *testing.T) {
	th := startHub(t)
	th.setCloses(time.Now().Add(300 * time.Millisecond))
	clinic := th.join(t, "c1", Clinic, false)
	specialist := th.join(t, "c1", Specialist, true)
	for party, c := range map[string]*websocket.Conn{Clinic: clinic, Specialist: specialist} {
		ce := closed(t, c)
		if ce.Code != StatusWindowClosed || !strings.Contains(ce.Reason, "window") {
			t.Errorf("the %s's connection closed with %v, want %v naming the window", party, ce, StatusWindowClosed)
		}
	}
	wantPeers(t, th.hub, "c1")

	th.setCloses(time.Now().Add(-time.Minute))
	late := th.dial(t, "c1", Clinic)
	if ce := closed(t, late); ce.Code != StatusWindowClosed {
		t.Errorf("joining after the window closed with %v, want %v", ce, StatusWindowClosed)
	}
}

func TestRefusedMessages(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
		typ  websocket.MessageType
		code websocket.StatusCode
		say  string
	}{
		{"ErrNotJSON", `offer please`, websocket.MessageText, websocket.StatusPolicyViolation, "JSON"},
		{"ErrUnknownType", `{"type":"hello"}`, websocket.MessageText, websocket.StatusPolicyViolation, `unknown message type "hello"`},
		{"ErrOfferWithoutSDP", `{"type":"offer","sdp":""}`, websocket.MessageText, websocket.StatusPolicyViolation, "sdp"},
		{"ErrCandidateMissing", `{"type":"candidate"}`, websocket.MessageText, websocket.StatusPolicyViolation, "needs a candidate"},
		{"ErrBinary", `{"type":"bye"}`, websocket.MessageBinary, websocket.StatusUnsupportedData, "text"},
		{"ErrTooLarge", `{"type":"offer","sdp":"v=0` + strings.Repeat("a", MaxMessage) + `"}`, websocket.MessageText, websocket.StatusMessageTooBig, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th := startHub(t)
			c := th.join(t, "c1", Clinic, false)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			c.Write(ctx, tc.typ, []byte(tc.msg)) // may fail once the hub has closed
			ce := closed(t, c)
			if ce.Code != tc.code || !strings.Contains(ce.Reason, tc.say) {
				t.Errorf("closed with %v, want %v saying %q", ce, tc.code, tc.say)
			}
			wantPeers(t, th.hub, "c1")
		})
	}
}

func TestRateLimit(t *testing.T) {
	th := startHub(t)
	c := th.join(t, "c1", Clinic, false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := 0; i < 3*MessageBurst; i++ {
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"bye"}`)); err != nil {
			break
		}
	}
	if ce := closed(t, c); ce.Code != websocket.StatusPolicyViolation || ce.Reason != "too many messages" {
		t.Errorf("closed with %v, want %v: too many messages", ce, websocket.StatusPolicyViolation)
	}
}

func TestBucket(t *testing.T) {
	start := time.Unix(0, 0)
	b := bucket{tokens: MessageBurst, at: start}
	for i := 0; i < MessageBurst; i++ {
		if !b.take(start) {
			t.Fatalf("message %d of the burst refused", i+1)
		}
	}
	if b.take(start) {
		t.Error("a message past the burst was allowed")
	}
	if !b.take(start.Add(time.Second / MessagesPerSecond)) {
		t.Error("a message after one refill interval was refused")
	}
	if b.take(start.Add(time.Second / MessagesPerSecond)) {
		t.Error("a second message in the same refill interval was allowed")
	}
}

func TestHubClose(t *testing.T) {
	th := startHub(t)
	c := th.join(t, "c1", Clinic, false)
	if err := th.hub.Close(); err != nil {
		t.Fatal(err)
	}
	if ce := closed(t, c); ce.Code != websocket.StatusGoingAway {
		t.Errorf("closed with %v, want %v", ce, websocket.StatusGoingAway)
	}
	late := th.dial(t, "c1", Specialist)
	if ce := closed(t, late); ce.Code != websocket.StatusGoingAway {
		t.Errorf("joining a closed hub ended with %v, want %v", ce, websocket.StatusGoingAway)
	}
}

func TestUnknownParty(t *testing.T) {
	th := startHub(t)
	c := th.dial(t, "c1", "patient")
	if ce := closed(t, c); ce.Code != websocket.StatusPolicyViolation {
		t.Errorf("closed with %v, want %v", ce, websocket.StatusPolicyViolation)
	}
	wantPeers(t, th.hub, "c1")
}
