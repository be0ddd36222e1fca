package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/tide-project/tide/internal/rtc"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// roomGate is a consultation service's room check in small: one room per
// token, its parties by user ID, and its window.
type roomGate struct {
	mu    sync.Mutex
	rooms map[string]*gateRoom
}

type gateRoom struct {
	consultation  string
	parties       map[int64]string
	opens, closes time.Time
	external      string
	// noPass makes a refusal carry no pass, as a service may answer.
	noPass bool
}

func (g *roomGate) EnterRoom(ctx context.Context, token string) (*web.ConsultPass, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in first")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.rooms[token]
	if r == nil {
		return nil, tide.NotFound("consultation")
	}
	party, ok := r.parties[a.UserID]
	if !ok {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only the parties of the consultation may enter its room")
	}
	p := &web.ConsultPass{Consultation: r.consultation, Party: party, Opens: r.opens, Closes: r.closes, ExternalURL: r.external}
	if now := time.Now(); now.Before(r.opens) || !now.Before(r.closes) {
		err := tide.Errorf(tide.ECONFLICT, "the room is open from %s to %s", r.opens.Format(time.RFC3339), r.closes.Format(time.RFC3339))
		if r.noPass {
			return nil, err
		}
		return p, err
	}
	return p, nil
}

// consultSite is a server with a room gate over real HTTP, and the
// accounts clinic, specialist and other, each signed in.
type consultSite struct {
	url     string
	gate    *roomGate
	ids     map[string]int64
	cookies map[string]string
	server  *web.Server
}

const consultPassword = "consult-pass-1"

func newConsultSite(tb testing.TB) *consultSite {
	tb.Helper()
	db := sqlstore.OpenTest(tb, sqlstore.SQLite)
	ctx := tide.WithActor(context.Background(), tide.System)
	regions := testRegions(tb, db)
	users := user.NewService(db)
	site := &consultSite{gate: &roomGate{rooms: map[string]*gateRoom{}}, ids: map[string]int64{}, cookies: map[string]string{}}
	for _, u := range []struct {
		name string
		role tide.Role
	}{{"clinic", tide.RoleClinic}, {"specialist", tide.RoleSpecialist}, {"other", tide.RoleSpecialist}} {
		created, err := users.Create(ctx, user.NewUser{Name: u.name, Password: consultPassword, Roles: []tide.Role{u.role}, Scope: "520101"})
		if err != nil {
			tb.Fatal(err)
		}
		site.ids[u.name] = created.ID
		if site.cookies[u.name], _, err = users.Login(context.Background(), u.name, consultPassword, "session"); err != nil {
			tb.Fatal(err)
		}
	}
	ice, err := rtc.ParseICEServers("stun:stun.example.org:3478")
	if err != nil {
		tb.Fatal(err)
	}
	site.server = &web.Server{Regions: regions, Users: users, Store: db, Consult: site.gate, ICEServers: ice,
		Logger: slog.New(slog.DiscardHandler)}
	srv := httptest.NewServer(site.server.Handler())
	tb.Cleanup(func() {
		site.server.CloseRooms()
		srv.Close()
	})
	site.url = srv.URL
	return site
}

// room opens a room for the clinic and the specialist, its window from
// now+open to now+shut.
func (s *consultSite) room(token string, open, shut time.Duration) *gateRoom {
	now := time.Now()
	r := &gateRoom{consultation: "consultation-" + token, opens: now.Add(open), closes: now.Add(shut),
		parties: map[int64]string{s.ids["clinic"]: rtc.Clinic, s.ids["specialist"]: rtc.Specialist}}
	s.gate.mu.Lock()
	s.gate.rooms[token] = r
	s.gate.mu.Unlock()
	return r
}

var noRedirect = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// get fetches a page as who ("" for no one).
func (s *consultSite) get(tb testing.TB, who, path string) (int, string, http.Header) {
	tb.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	if who != "" {
		req.AddCookie(&http.Cookie{Name: "tide_session", Value: s.cookies[who]})
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := noRedirect.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// dial opens the room's socket as who.
func (s *consultSite) dial(tb testing.TB, who, token string, origin string) (*websocket.Conn, *http.Response, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{}
	if who != "" {
		h.Set("Cookie", "tide_session="+s.cookies[who])
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/consult/"+token+"/ws", &websocket.DialOptions{HTTPHeader: h})
	if c != nil {
		tb.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

func readMessage(tb testing.TB, c *websocket.Conn) rtc.Message {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		tb.Fatalf("read: %v", err)
	}
	var m rtc.Message
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("message %s: %v", b, err)
	}
	return m
}

func TestConsultPage(t *testing.T) {
	site := newConsultSite(t)
	site.room("tok-open", -time.Minute, time.Hour)

	status, body, _ := site.get(t, "clinic", "/consult/tok-open")
	if status != http.StatusOK {
		t.Fatalf("the clinic's room page: status %d, want 200: %s", status, body)
	}
	for _, want := range []string{`id="consult"`, `data-party="clinic"`, `data-ws="/consult/tok-open/ws"`, `id="remote-video"`, `id="local-video"`,
		`stun:stun.example.org:3478`, "/static/consult.js", "Specialist", "Hang up"} {
		if !strings.Contains(body, want) {
			t.Errorf("the clinic's room page lacks %q", want)
		}
	}
	if status, body, _ = site.get(t, "specialist", "/consult/tok-open"); status != http.StatusOK || !strings.Contains(body, `data-party="specialist"`) {
		t.Errorf("the specialist's room page: status %d, want 200 with data-party specialist", status)
	}

	t.Run("ErrThirdPerson", func(t *testing.T) {
		status, body, _ := site.get(t, "other", "/consult/tok-open")
		if status != http.StatusForbidden || !strings.Contains(body, "only for the clinic and the specialist") || strings.Contains(body, `id="consult"`) {
			t.Errorf("a third person's room page: status %d, want 403 saying who may enter, without the room: %s", status, body)
		}
	})
	t.Run("ErrUnknownToken", func(t *testing.T) {
		if status, _, _ := site.get(t, "clinic", "/consult/no-such-token"); status != http.StatusNotFound {
			t.Errorf("an unknown room: status %d, want 404", status)
		}
	})
	t.Run("ErrSignedOut", func(t *testing.T) {
		status, _, h := site.get(t, "", "/consult/tok-open")
		if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
			t.Errorf("the room page signed out: status %d to %q, want a redirect to sign in", status, h.Get("Location"))
		}
	})
	t.Run("ErrTooEarly", func(t *testing.T) {
		r := site.room("tok-later", 2*time.Hour, 3*time.Hour)
		status, body, _ := site.get(t, "clinic", "/consult/tok-later")
		window := r.opens.UTC().Format("2006-01-02 15:04 MST") + " to " + r.closes.UTC().Format("2006-01-02 15:04 MST")
		if status != http.StatusConflict || !strings.Contains(body, "open only from "+window) || strings.Contains(body, `id="consult"`) {
			t.Errorf("a room before its window: status %d, want 409 naming the window %s: %s", status, window, body)
		}
	})
	t.Run("ErrOverWithoutPass", func(t *testing.T) {
		r := site.room("tok-over", -2*time.Hour, -time.Hour)
		r.noPass = true
		status, body, _ := site.get(t, "specialist", "/consult/tok-over")
		if want := "open from " + r.opens.Format(time.RFC3339); status != http.StatusConflict || !strings.Contains(body, want) {
			t.Errorf("a room after its window: status %d, want 409 with the service's message %q: %s", status, want, body)
		}
	})
	t.Run("External", func(t *testing.T) {
		r := site.room("tok-ext", -time.Minute, time.Hour)
		r.external = "https://meet.example.org/abc"
		status, body, _ := site.get(t, "clinic", "/consult/tok-ext")
		if status != http.StatusOK || !strings.Contains(body, `href="https://meet.example.org/abc"`) || strings.Contains(body, `id="consult"`) {
			t.Errorf("a room held elsewhere: status %d, want 200 with a link to the meeting and no video room: %s", status, body)
		}
		if _, resp, err := site.dial(t, "clinic", "tok-ext", ""); err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
			t.Errorf("the socket of a room held elsewhere: %v, want 409", err)
		}
	})
}

func TestConsultSocket(t *testing.T) {
	site := newConsultSite(t)
	site.room("tok", -time.Minute, time.Hour)

	clinic, _, err := site.dial(t, "clinic", "tok", "")
	if err != nil {
		t.Fatalf("the clinic's socket: %v", err)
	}
	if m := readMessage(t, clinic); m.Type != rtc.TypeWelcome || m.Party != rtc.Clinic || m.Peer {
		t.Errorf("the clinic's welcome = %+v, want party clinic, no peer", m)
	}
	specialist, _, err := site.dial(t, "specialist", "tok", "")
	if err != nil {
		t.Fatalf("the specialist's socket: %v", err)
	}
	if m := readMessage(t, specialist); m.Type != rtc.TypeWelcome || m.Party != rtc.Specialist || !m.Peer {
		t.Errorf("the specialist's welcome = %+v, want party specialist with the peer there", m)
	}
	if m := readMessage(t, clinic); m.Type != rtc.TypePeerJoined {
		t.Errorf("the clinic got %+v, want %s", m, rtc.TypePeerJoined)
	}

	for _, tc := range []struct {
		name, who, token, origin string
		status                   int
	}{
		{"ErrThirdPerson", "other", "tok", "", http.StatusForbidden},
		{"ErrSignedOut", "", "tok", "", http.StatusUnauthorized},
		{"ErrUnknownToken", "clinic", "nope", "", http.StatusNotFound},
		{"ErrOtherSite", "clinic", "tok", "https://evil.example.org", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, resp, err := site.dial(t, tc.who, tc.token, tc.origin)
			if err == nil || c != nil || resp == nil || resp.StatusCode != tc.status {
				got := 0
				if resp != nil {
					got = resp.StatusCode
				}
				t.Errorf("socket: status %d (%v), want %d", got, err, tc.status)
			}
		})
	}

	t.Run("ErrOutsideWindow", func(t *testing.T) {
		site.room("tok-later", time.Hour, 2*time.Hour)
		_, resp, err := site.dial(t, "clinic", "tok-later", "")
		if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
			t.Fatalf("socket before the window: %v, want 409", err)
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		json.NewDecoder(resp.Body).Decode(&body)
		if body.Error.Code != tide.ECONFLICT || !strings.Contains(body.Error.Message, "open from") {
			t.Errorf("socket before the window answered %+v, want a conflict naming the window", body.Error)
		}
	})

	t.Run("ClosesWithWindow", func(t *testing.T) {
		site.room("tok-short", -time.Minute, 300*time.Millisecond)
		c, _, err := site.dial(t, "specialist", "tok-short", "")
		if err != nil {
			t.Fatalf("socket: %v", err)
		}
		readMessage(t, c)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _, err = c.Read(ctx)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != rtc.StatusWindowClosed {
			t.Errorf("the socket ended with %v, want close code %d when the window closed", err, rtc.StatusWindowClosed)
		}
	})
}

func TestConsultAbsent(t *testing.T) {
	site := newConsultSite(t)
	site.room("tok", -time.Minute, time.Hour)
	site.server.Consult = nil
	h := site.server.Handler()
	req := httptest.NewRequest("GET", "/consult/tok", nil)
	req.AddCookie(&http.Cookie{Name: "tide_session", Value: site.cookies["clinic"]})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("the room page with no consultation service: %d, want 404", rec.Code)
	}
}
