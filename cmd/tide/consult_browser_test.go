package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"github.com/tide-project/tide/internal/rtc"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// roomGate lets the parties of a consultation into its room by the room
// link's token, within its window, as the consultation service does; it
// stands on the real accounts.
type roomGate struct {
	mu    sync.Mutex
	rooms map[string]gateRoom
}

type gateRoom struct {
	consultation  string
	parties       map[int64]string // user ID to party
	opens, closes time.Time
}

func (g *roomGate) EnterRoom(ctx context.Context, token string) (*web.ConsultPass, error) {
	a := tide.ActorFrom(ctx)
	if a == nil {
		return nil, tide.Errorf(tide.EUNAUTHORIZED, "sign in first")
	}
	g.mu.Lock()
	r, ok := g.rooms[token]
	g.mu.Unlock()
	if !ok {
		return nil, tide.NotFound("consultation")
	}
	party, ok := r.parties[a.UserID]
	if !ok {
		return nil, tide.Errorf(tide.EFORBIDDEN, "only the parties of the consultation may enter its room")
	}
	p := &web.ConsultPass{Consultation: r.consultation, Party: party, Opens: r.opens, Closes: r.closes}
	if now := time.Now(); now.Before(r.opens) || !now.Before(r.closes) {
		return p, tide.Errorf(tide.ECONFLICT, "the room is open from %s to %s", r.opens.Format(time.RFC3339), r.closes.Format(time.RFC3339))
	}
	return p, nil
}

// startConsult starts the real wiring with the accounts clinic1,
// specialist1 and other1 and a room gate, and returns the accounts' IDs.
func startConsult(tb testing.TB, gate web.ConsultRooms) (*Main, map[string]int64) {
	tb.Helper()
	m := NewMain()
	m.Config.Addr = "127.0.0.1:0"
	m.Config.Data = tb.TempDir()
	m.Out = io.Discard
	m.Consult = gate
	if err := m.Config.Validate(); err != nil {
		tb.Fatalf("config: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	ctx := tide.WithActor(context.Background(), tide.System)
	if err := m.Open(ctx); err != nil {
		tb.Fatalf("open: %v", err)
	}
	ids := map[string]int64{}
	for _, u := range []struct {
		name string
		role tide.Role
	}{{"clinic1", tide.RoleClinic}, {"specialist1", tide.RoleSpecialist}, {"other1", tide.RoleSpecialist}} {
		created, err := m.Users.Create(ctx, user.NewUser{Name: u.name, Password: demoPassword, Roles: []tide.Role{u.role}, Scope: "52"})
		if err != nil {
			tb.Fatalf("create %s: %v", u.name, err)
		}
		ids[u.name] = created.ID
	}
	if err := m.Start(); err != nil {
		tb.Fatalf("start: %v", err)
	}
	return m, ids
}

// mediaFlags give headless Chromium a fake camera and microphone, granted
// without asking, and let the pages play sound and connect over loopback.
var mediaFlags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("use-fake-device-for-media-stream", true),
	chromedp.Flag("use-fake-ui-for-media-stream", true),
	chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	chromedp.Flag("allow-loopback-in-peer-connection", true),
	chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns"),
}

// recordPeers keeps every RTCPeerConnection and WebSocket a page makes in
// window.tidePeers and window.tideSockets, so the test can read the call's
// statistics and drop the socket.
const recordPeers = `(() => {
  const Peer = window.RTCPeerConnection, Socket = window.WebSocket;
  window.tidePeers = [];
  window.tideSockets = [];
  window.RTCPeerConnection = class extends Peer {
    constructor(...args) { super(...args); window.tidePeers.push(this); }
  };
  window.WebSocket = class extends Socket {
    constructor(...args) { super(...args); window.tideSockets.push(this); }
  };
})();`

func onNewDocument(script string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return chromedp.Void{}, err
	}
}

// framesDecoded is the video frames the page's latest call has decoded.
const framesDecoded = `(async () => {
  const pc = (window.tidePeers || []).at(-1);
  if (!pc) { return 0; }
  let n = 0;
  (await pc.getStats()).forEach(s => {
    if (s.type === "inbound-rtp" && s.kind === "video") { n = Math.max(n, s.framesDecoded || 0); }
  });
  return n;
})()`

// waitFor polls a JavaScript expression, which may give a promise, until
// it holds, and fails the test naming what was awaited when it does not
// within the deadline.
func waitFor(tb testing.TB, ctx context.Context, within time.Duration, what, expr string) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		if read(tb, ctx, what, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise)) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: still false after %s: %s (%s)", what, within, expr, whereIs(tb, ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seesVideo waits until the tab shows the other side's video, decoded: the
// remote video has a size and the call's decoded frames keep growing.
func seesVideo(tb testing.TB, tab context.Context, who string) {
	tb.Helper()
	const within = 60 * time.Second // the machine may be busy; no step sleeps longer than needed
	waitFor(tb, tab, within, who+" connects", `document.getElementById("consult-status").dataset.state === "connected"`)
	waitFor(tb, tab, within, who+"'s remote video has a size", `document.getElementById("remote-video").videoWidth > 0`)
	waitFor(tb, tab, within, who+" decodes video frames", framesDecoded+`.then(n => n > 0)`)
	first := read(tb, tab, "count decoded frames", chromedp.Evaluate[int](framesDecoded, chromedp.EvalAwaitPromise))
	waitFor(tb, tab, within, who+" goes on decoding frames", fmt.Sprintf(`%s.then(n => n > %d)`, framesDecoded, first))
}

// TestConsultBrowser is a video consultation in headless Chromium with a
// fake camera and microphone: the clinic and the specialist, each in a
// browser context of their own, open the room link; each decodes the
// other's video, through Tide's signalling; the clinic hangs up, the
// specialist is told, and the clinic joins again; the specialist's socket
// drops and the page reconnects. A third person is refused the page and
// the socket, and a room outside its window is refused with the window
// named, on opening it and on reconnecting once the window is over.
func TestConsultBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second)
	defer cancel()
	gate := &roomGate{rooms: map[string]gateRoom{}}
	m, ids := startConsult(t, gate)
	base := m.URL()
	cat := catalogue(t)
	now := time.Now()
	parties := map[int64]string{ids["clinic1"]: rtc.Clinic, ids["specialist1"]: rtc.Specialist}
	token, later := user.RandomSecret(24), user.RandomSecret(24)
	gate.rooms[token] = gateRoom{consultation: "c1", parties: parties, opens: now.Add(-time.Minute), closes: now.Add(time.Hour)}
	gate.rooms[later] = gateRoom{consultation: "c2", parties: parties, opens: now.Add(24 * time.Hour), closes: now.Add(25 * time.Hour)}
	browser := startBrowser(t, ctx, mediaFlags...)

	// The third person signs in first, while the machine is not yet busy
	// encoding video.
	third, thirdErrs := newTab(t, browser)
	browserLogin(t, third, base, "other1")
	tabs := map[string]context.Context{}
	checks := map[string]*pageErrors{}
	for _, name := range []string{"clinic1", "specialist1"} {
		tab, errs := newTab(t, browser)
		browserLogin(t, tab, base, name)
		do(t, tab, "record the page's calls", onNewDocument(recordPeers))
		do(t, tab, name+" opens the room",
			chromedp.Navigate(base+"/consult/"+token),
			chromedp.WaitVisible(chromedp.CSS("#remote-video")),
		)
		tabs[name], checks[name] = tab, errs
	}
	seesVideo(t, tabs["clinic1"], "the clinic")
	seesVideo(t, tabs["specialist1"], "the specialist")
	if got := read(t, tabs["clinic1"], "read the status", chromedp.Text(chromedp.CSS("#consult-status"))); got != cat["video.connected"]["en"] {
		t.Errorf("the clinic's status line = %q, want %q", got, cat["video.connected"]["en"])
	}

	if shown := read(t, tabs["clinic1"], "look for the rejoin link", chromedp.Evaluate[bool](`document.getElementById("rejoin").offsetParent !== null`)); shown {
		t.Error("the clinic's page shows the link to join again during the call")
	}
	do(t, tabs["clinic1"], "the clinic hangs up", chromedp.Click(chromedp.CSS("#hang-up")))
	waitFor(t, tabs["specialist1"], actionTimeout, "the specialist hears the clinic hung up", `document.getElementById("consult-status").dataset.state === "peer-hung-up"`)
	waitFor(t, tabs["clinic1"], actionTimeout, "the clinic may join again", `document.getElementById("consult-status").dataset.state === "hung-up" && document.getElementById("rejoin").offsetParent !== null`)
	do(t, tabs["clinic1"], "the clinic joins again",
		chromedp.Click(chromedp.CSS("#rejoin")),
		chromedp.WaitVisible(chromedp.CSS("#hang-up")),
		chromedp.WaitVisible(chromedp.CSS("#remote-video")),
	)
	seesVideo(t, tabs["clinic1"], "the clinic, joined again")
	seesVideo(t, tabs["specialist1"], "the specialist, after the clinic joined again")

	// The specialist's socket drops: the page reconnects and both sides set
	// the call up afresh.
	calls := map[string]int{}
	for name, tab := range tabs {
		calls[name] = read(t, tab, "count the calls", chromedp.Evaluate[int](`window.tidePeers.length`))
	}
	do(t, tabs["specialist1"], "drop the specialist's socket", chromedp.Evaluate[chromedp.Void](`window.tideSockets.at(-1).close()`))
	waitFor(t, tabs["specialist1"], actionTimeout, "the specialist reconnects", `window.tideSockets.length === 2 && window.tideSockets[1].readyState === WebSocket.OPEN`)
	for name, tab := range tabs {
		waitFor(t, tab, actionTimeout, name+" sets up a new call", fmt.Sprintf(`window.tidePeers.length > %d`, calls[name]))
	}
	seesVideo(t, tabs["specialist1"], "the specialist, reconnected")
	seesVideo(t, tabs["clinic1"], "the clinic, after the specialist reconnected")

	t.Run("ErrThirdPerson", func(t *testing.T) {
		tab, errs := third, thirdErrs
		u := base + "/consult/" + token
		errs.expectNetworkError(u)
		resp := read(t, tab, "a third person opens the room", chromedp.NavigateResponse(u))
		if resp.Status != http.StatusForbidden {
			t.Errorf("status of the room for a third person = %d, want 403", resp.Status)
		}
		body := read(t, tab, "read the page", chromedp.Text(chromedp.CSS("main")))
		if want := cat["video.forbidden"]["en"]; !strings.Contains(body, want) {
			t.Errorf("the third person's page does not say %q:\n%s", want, body)
		}
		if n := read(t, tab, "look for the room", chromedp.Evaluate[int](`document.querySelectorAll("#consult, video").length`)); n != 0 {
			t.Errorf("the third person's page has the room's elements")
		}
		errs.check(t)

		secret, _, err := m.Users.Login(context.Background(), "other1", demoPassword, "session")
		if err != nil {
			t.Fatal(err)
		}
		dctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		c, resp2, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/consult/"+token+"/ws",
			&websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {"tide_session=" + secret}}})
		if err == nil {
			c.CloseNow()
			t.Fatal("a third person opened the room's socket")
		}
		if resp2 == nil || resp2.StatusCode != http.StatusForbidden {
			t.Errorf("a third person's socket: %v, want 403", err)
		}
	})

	t.Run("ErrOutsideWindow", func(t *testing.T) {
		tab := tabs["specialist1"]
		u := base + "/consult/" + later
		checks["specialist1"].expectNetworkError(u)
		resp := read(t, tab, "the specialist opens tomorrow's room", chromedp.NavigateResponse(u))
		if resp.Status != http.StatusConflict {
			t.Errorf("status of a room before its window = %d, want 409", resp.Status)
		}
		r := gate.rooms[later]
		const layout = "2006-01-02 15:04 MST"
		want := fmt.Sprintf(cat["video.outside"]["en"], r.opens.UTC().Format(layout), r.closes.UTC().Format(layout))
		if got := read(t, tab, "read the refusal", chromedp.Text(chromedp.CSS("#consult-refused"))); strings.TrimSpace(got) != want {
			t.Errorf("the refusal says %q, want %q", got, want)
		}
		if n := read(t, tab, "look for the room", chromedp.Evaluate[int](`document.querySelectorAll("#consult, video").length`)); n != 0 {
			t.Errorf("the page of a room before its window has the room's elements")
		}
	})

	for name, errs := range checks {
		t.Run("NoErrors/"+name, func(t *testing.T) { errs.check(t) })
	}

	// Last, as the refused socket and page are errors the clinic's tab
	// reports.
	t.Run("ErrWindowOverOnReconnect", func(t *testing.T) {
		tab := tabs["clinic1"]
		gate.mu.Lock()
		r := gate.rooms[token]
		r.opens, r.closes = now.Add(-2*time.Hour), now.Add(-time.Hour)
		gate.rooms[token] = r
		gate.mu.Unlock()
		do(t, tab, "drop the clinic's socket", chromedp.Evaluate[chromedp.Void](`window.tideSockets.at(-1).close()`))
		do(t, tab, "the page loads again with the refusal", chromedp.WaitVisible(chromedp.CSS("#consult-refused")))
		const layout = "2006-01-02 15:04 MST"
		want := fmt.Sprintf(cat["video.outside"]["en"], r.opens.UTC().Format(layout), r.closes.UTC().Format(layout))
		if got := read(t, tab, "read the refusal", chromedp.Text(chromedp.CSS("#consult-refused"))); strings.TrimSpace(got) != want {
			t.Errorf("the refusal says %q, want %q", got, want)
		}
	})
}
