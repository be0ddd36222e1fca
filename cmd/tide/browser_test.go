package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// BrowserEnv, set to 1, makes a missing Chromium fail the browser test
// instead of skipping it; CI sets it.
const browserEnv = "TIDE_TEST_BROWSER"

// actionTimeout bounds one browser step.
const actionTimeout = 10 * time.Second

// chromiumPath returns the Chromium to drive, or skips the test when there is
// none (fails when TIDE_TEST_BROWSER=1).
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv(browserEnv) == "1" {
		tb.Fatalf("%s=1 but Chromium is neither at /usr/bin/chromium nor on PATH", browserEnv)
	}
	tb.Skipf("Chromium is neither at /usr/bin/chromium nor on PATH; set %s=1 to require it", browserEnv)
	return ""
}

// startBrowser starts one headless Chromium for the test and returns its
// context; tabs are made from it with newTab. flags add to the usual ones.
func startBrowser(tb testing.TB, ctx context.Context, flags ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(tb)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(tb.TempDir()),
	}, flags...)...,
	)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	tb.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser to exit, before TempDir is removed
	})
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser, without a timeout
		tb.Fatalf("start Chromium: %v", err)
	}
	return browserCtx
}

// pageErrors collects what a tab reports as going wrong: console.error
// calls, uncaught exceptions and browser log entries at level error.
type pageErrors struct {
	mu     sync.Mutex
	msgs   []string
	ignore map[string]bool // URLs whose network errors are expected (a 404 page)
}

// listen is the tab's event listener; it must return fast.
func (p *pageErrors) listen(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError {
			return
		}
		var args []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				args = append(args, string(a.Value))
			} else {
				args = append(args, a.Description)
			}
		}
		msg = "console.error: " + strings.Join(args, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, d.Text)
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Level != log.EntryLevelError {
			return
		}
		p.mu.Lock()
		skip := e.Source == log.EntrySourceNetwork && p.ignore[e.URL]
		p.mu.Unlock()
		if skip {
			return
		}
		msg = fmt.Sprintf("log %s error: %s (%s)", e.Source, e.Text, e.URL)
	default:
		return
	}
	p.mu.Lock()
	p.msgs = append(p.msgs, msg)
	p.mu.Unlock()
}

// expectNetworkError marks a URL whose failed load is part of the test.
func (p *pageErrors) expectNetworkError(u string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ignore == nil {
		p.ignore = map[string]bool{}
	}
	p.ignore[u] = true
}

// check fails the test for every error collected.
func (p *pageErrors) check(tb testing.TB) {
	tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.msgs {
		tb.Errorf("page reported: %s", m)
	}
}

// newTab opens a tab in a browser context of its own (its own cookies) and
// returns it with the errors it will collect.
func newTab(tb testing.TB, browserCtx context.Context) (context.Context, *pageErrors) {
	tb.Helper()
	errs := &pageErrors{}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext(), chromedp.WithListener(errs.listen))
	tb.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // opens the tab, without a timeout
		tb.Fatalf("open tab: %v", err)
	}
	return ctx, errs
}

// do runs browser steps under a timeout and fails the test naming what was
// being done.
func do(tb testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.Fatalf("%s: %v (%s)", what, err, whereIs(tb, ctx))
	}
}

// whereIs describes the tab's page for a failure message: its address, its
// language and the start of its text.
func whereIs(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`location.href + " lang=" + document.documentElement.lang + " text=" + document.body.innerText.slice(0, 200)`))
	if err != nil {
		return "page unreadable: " + err.Error()
	}
	return "page " + s
}

// read runs one browser action that returns a value, under a timeout.
func read[T any](tb testing.TB, ctx context.Context, what string, a chromedp.Action[T]) T {
	tb.Helper()
	ctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.Fatalf("%s: %v (%s)", what, err, whereIs(tb, ctx))
	}
	return v
}

// catalogue reads the pages' message catalogue, so the test checks the
// words the pages must show.
func catalogue(tb testing.TB) map[string]map[string]string {
	tb.Helper()
	b, err := os.ReadFile("../../internal/web/catalogue.json")
	if err != nil {
		tb.Fatal(err)
	}
	var c map[string]map[string]string
	if err := json.Unmarshal(b, &c); err != nil {
		tb.Fatalf("catalogue.json: %v", err)
	}
	return c
}

// browserLogin signs in on the login page and waits for the home page.
func browserLogin(tb testing.TB, ctx context.Context, base, name string) {
	tb.Helper()
	do(tb, ctx, "sign in as "+name,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), name),
		chromedp.SendKeys(chromedp.CSS("#password"), demoPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#home-title")),
	)
}

// currentPath returns the path of the tab's location.
func currentPath(tb testing.TB, ctx context.Context) string {
	tb.Helper()
	loc := read(tb, ctx, "read location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		tb.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// TestBrowser signs in as every demo account in a headless Chromium, checks
// the home page in both languages and signing out, and checks that a county
// officer cannot see another county's page.
func TestBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second) // the demo starts inside it; each step has its own timeout
	defer cancel()
	m := startDemo(t, sqlstore.TestURL(t, sqlstore.SQLite))
	base := m.URL()
	cat := catalogue(t)
	browser := startBrowser(t, ctx)

	for _, a := range demoAccounts {
		t.Run(a.name, func(t *testing.T) {
			tab, errs := newTab(t, browser)
			browserLogin(t, tab, base, a.name)

			title := read(t, tab, "read #home-title", chromedp.Text(chromedp.CSS("#home-title")))
			if want := fmt.Sprintf(cat["home.hello"]["en"], a.name); strings.TrimSpace(title) != want {
				t.Errorf("#home-title = %q, want %q", title, want)
			}
			card := fmt.Sprintf(`article[data-role=%q]`, a.role)
			if got := read(t, tab, "read the role card", chromedp.Text(chromedp.CSS(card+" h2"))); strings.TrimSpace(got) != cat["role."+string(a.role)]["en"] {
				t.Errorf("role card %s heading = %q, want %q", card, got, cat["role."+string(a.role)]["en"])
			}
			if got := read(t, tab, "count role cards", chromedp.Evaluate[int](`document.querySelectorAll("article[data-role]").length`)); got != 1 {
				t.Errorf("the home page shows %d role cards, want 1", got)
			}

			do(t, tab, "switch to Chinese",
				chromedp.Click(chromedp.CSS("#lang-switch")),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="zh-CN"] #home-title`)),
			)
			title = read(t, tab, "read #home-title in Chinese", chromedp.Text(chromedp.CSS("#home-title")))
			if want := fmt.Sprintf(cat["home.hello"]["zh"], a.name); !strings.Contains(title, "欢迎") || strings.TrimSpace(title) != want {
				t.Errorf("#home-title in Chinese = %q, want %q", title, want)
			}
			do(t, tab, "switch back to English",
				chromedp.Click(chromedp.CSS("#lang-switch")),
				chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #home-title`)),
			)

			do(t, tab, "sign out",
				chromedp.Click(chromedp.CSS("#logout")),
				chromedp.WaitVisible(chromedp.CSS("#login-submit")),
			)
			if p := currentPath(t, tab); p != "/login" {
				t.Errorf("after signing out the tab is at %q, want /login", p)
			}
			// The session is over on the server too: home sends us back.
			do(t, tab, "open home after signing out",
				chromedp.Navigate(base+"/"),
				chromedp.WaitVisible(chromedp.CSS("#login-submit")),
			)
			if p := currentPath(t, tab); p != "/login" {
				t.Errorf("home after signing out shows %q, want /login", p)
			}
			errs.check(t)
		})
	}

	t.Run("CountyScope", func(t *testing.T) {
		bg := tide.WithActor(context.Background(), tide.System)
		own, other := countyOf(t, m, bg, "county1"), countyOf(t, m, bg, "county2")
		tab, errs := newTab(t, browser)
		browserLogin(t, tab, base, "county1")

		otherURL := base + "/regions/" + other.code
		errs.expectNetworkError(otherURL)
		resp := read(t, tab, "open the other county", chromedp.NavigateResponse(otherURL))
		if resp.Status != 404 {
			t.Errorf("status of %s for county1 = %d, want 404", otherURL, resp.Status)
		}
		body := read(t, tab, "read the page", chromedp.Text(chromedp.CSS("body")))
		if !strings.Contains(body, cat["error.notfound"]["en"]) {
			t.Errorf("the other county's page does not say %q:\n%s", cat["error.notfound"]["en"], body)
		}
		if strings.Contains(body, other.name) || strings.Contains(body, other.code) {
			t.Errorf("the other county's page shows its name %q or code %s:\n%s", other.name, other.code, body)
		}
		if n := read(t, tab, "look for #region-name", chromedp.Evaluate[int](`document.querySelectorAll("#region-name").length`)); n != 0 {
			t.Errorf("the other county's page has #region-name")
		}

		resp = read(t, tab, "open the own county", chromedp.NavigateResponse(base+"/regions/"+own.code))
		if resp.Status != 200 {
			t.Errorf("status of the own county's page = %d, want 200", resp.Status)
		}
		if got := read(t, tab, "read #region-name", chromedp.Text(chromedp.CSS("#region-name"))); strings.TrimSpace(got) != own.name {
			t.Errorf("#region-name = %q, want %q", got, own.name)
		}
		errs.check(t)
	})
}

type countyInfo struct{ code, name string }

// countyOf returns the county a demo account is scoped to, read from the
// database.
func countyOf(tb testing.TB, m *Main, ctx context.Context, account string) countyInfo {
	tb.Helper()
	u, err := m.DB.FindUserByName(ctx, account)
	if err != nil {
		tb.Fatalf("find %s: %v", account, err)
	}
	r, err := m.DB.FindRegion(ctx, u.Scope)
	if err != nil {
		tb.Fatalf("find %s's region %q: %v", account, u.Scope, err)
	}
	return countyInfo{r.Code, r.Name}
}
