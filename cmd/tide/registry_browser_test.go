package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
)

// The demo's first county's first township is registrar1's scope; this is
// one of its villages.
const regTestVillage = "900101001001"

// startRegistryDemo starts the demo wiring on SQLite with exits posted
// publicly for postingDays days.
func startRegistryDemo(tb testing.TB, postingDays int) *Main {
	tb.Helper()
	return startDemo(tb, "", func(c *Config) { c.PostingDays = postingDays })
}

// regScope returns the region a demo account is scoped to.
func regScope(tb testing.TB, m *Main, account string) string {
	tb.Helper()
	u, err := m.DB.FindUserByName(tide.WithActor(context.Background(), tide.System), account)
	if err != nil {
		tb.Fatalf("find %s: %v", account, err)
	}
	return u.Scope
}

// regIDNumber returns a valid 18-character ID number of someone born on
// birth (YYYYMMDD) in the demo's first county, unlikely to be taken.
func regIDNumber(birth string) string {
	seq := fmt.Sprintf("%03d", time.Now().UnixNano()%997)
	first := "900101" + birth + seq
	return first + string(registry.ChineseIDCheck(first))
}

// TestRegistryBrowser registers a household in a headless Chromium and
// takes it through the whole exit: registrar1 registers and proposes it
// and records the village review; county1 checks and approves it and sees
// the exited count of the county's measures go up by one. county2 gets the
// not-found page for it. With TIDE_TEST_SCREENSHOTS set to a folder, it
// saves the household and measures pages at 360 px wide there.
func TestRegistryBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second) // the demo starts inside it; each step has its own timeout
	defer cancel()
	m := startRegistryDemo(t, 0)
	base := m.URL()
	cat := catalogue(t)
	browser := startBrowser(t, ctx)
	county := regScope(t, m, "county1")
	if !strings.HasPrefix(regTestVillage, regScope(t, m, "registrar1")) {
		t.Fatalf("village %s is not in registrar1's scope %s", regTestVillage, regScope(t, m, "registrar1"))
	}

	tab, errs := newTab(t, browser)
	browserLogin(t, tab, base, "registrar1")
	name := "Chen Meiling"
	idNumber := regIDNumber("19751203")
	p, _ := m.Policies.Lookup(m.Config.ExitPolicy)
	fill := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(base + "/households/new"),
		chromedp.WaitVisible(chromedp.CSS("#household-form")),
		chromedp.SendKeys(chromedp.CSS("#h-village"), regTestVillage),
		chromedp.SendKeys(chromedp.CSS("#h-income"), "5200.00"),
		chromedp.SendKeys(chromedp.CSS("#h-last-year"), "4300"),
		chromedp.SendKeys(chromedp.CSS("#m0-name"), name),
		chromedp.SetValue(chromedp.CSS("#m0-sex"), "f"),
		chromedp.SetValue(chromedp.CSS("#m0-birth"), "1975-12-03"),
		chromedp.Click(chromedp.CSS("#m0-insurance")),
	}
	for _, ind := range p.Indicators {
		fill = append(fill, chromedp.Click(chromedp.CSS("#ind-"+ind.ID)))
	}
	wrongID := idNumber[:17] + map[bool]string{true: "1", false: "2"}[idNumber[17] != '1']
	fill = append(fill, chromedp.SendKeys(chromedp.CSS("#m0-id"), wrongID))
	do(t, tab, "fill the household form", fill...)
	errs.expectNetworkError(base + "/households") // the refused form comes back as 400
	do(t, tab, "send it with a wrong check digit",
		chromedp.Click(chromedp.CSS("#household-submit")),
		chromedp.WaitVisible(chromedp.CSS("#e-m0-id")),
	)
	if got := read(t, tab, "read the kept name", chromedp.Value(chromedp.CSS("#m0-name"))); got != name {
		t.Errorf("the refused form shows the name %q, want %q kept", got, name)
	}
	if got := read(t, tab, "read the error", chromedp.Text(chromedp.CSS("#error"))); !strings.Contains(got, cat["member.id_number"]["en"]) {
		t.Errorf("#error = %q, want it to name the field %q", got, cat["member.id_number"]["en"])
	}
	if n := read(t, tab, "count ticked indicators", chromedp.Evaluate[int](`document.querySelectorAll("#indicators input:checked").length`)); n != len(p.Indicators) {
		t.Errorf("the refused form keeps %d indicators ticked, want %d", n, len(p.Indicators))
	}
	read(t, tab, "clear the ID number", chromedp.Evaluate[string](`document.querySelector("#m0-id").value = ""; "cleared"`))
	do(t, tab, "register the household",
		chromedp.SendKeys(chromedp.CSS("#m0-id"), idNumber),
		chromedp.Click(chromedp.CSS("#household-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#household-status[data-status="identified"]`)),
	)
	path := currentPath(t, tab)
	if !strings.HasPrefix(path, "/households/") {
		t.Fatalf("after registering the tab is at %q", path)
	}
	if got := read(t, tab, "read the head", chromedp.Text(chromedp.CSS("#household-head"))); !strings.Contains(got, name) {
		t.Errorf("#household-head = %q, want %q in it", got, name)
	}
	if got := read(t, tab, "read the ID number", chromedp.Text(chromedp.CSS("#members .id-number"))); strings.TrimSpace(got) != idNumber {
		t.Errorf("registrar1 sees the ID number %q, want %q in full", got, idNumber)
	}
	if got := read(t, tab, "read eligibility", chromedp.AttributeValue(chromedp.CSS("#assessment"), "data-eligible")); got.Value != "true" {
		t.Errorf("#assessment data-eligible = %q, want true", got.Value)
	}
	do(t, tab, "propose the exit",
		chromedp.Click(chromedp.CSS("#exit-propose")),
		chromedp.WaitVisible(chromedp.CSS(`#exit-stage[data-stage="proposed"]`)),
	)
	do(t, tab, "record the village review",
		chromedp.SendKeys(chromedp.CSS("#exit-note"), "reviewed at the village meeting"),
		chromedp.Click(chromedp.CSS("#exit-review")),
		chromedp.WaitVisible(chromedp.CSS(`#exit-stage[data-stage="village_reviewed"]`)),
	)
	if n := read(t, tab, "look for a check button", chromedp.Evaluate[int](`document.querySelectorAll("#exit-check, #exit-approve").length`)); n != 0 {
		t.Errorf("registrar1 is offered %d county steps", n)
	}
	do(t, tab, "sign out registrar1",
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-submit")),
	)
	errs.check(t)

	tab, errs = newTab(t, browser)
	browserLogin(t, tab, base, "county1")
	measures := base + "/measures?region=" + county
	exited := func(what string) (int, string) {
		do(t, tab, what, chromedp.Navigate(measures), chromedp.WaitVisible(chromedp.CSS("#count-exited")))
		s := read(t, tab, "read #count-exited", chromedp.Text(chromedp.CSS("#count-exited")))
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("#count-exited = %q, not a number", s)
		}
		return n, strings.TrimSpace(read(t, tab, "read #m-p0", chromedp.Text(chromedp.CSS("#m-p0"))))
	}
	before, p0 := exited("open the county's measures")
	if !strings.HasSuffix(p0, "%") {
		t.Errorf("#m-p0 = %q, want a percentage", p0)
	}
	if note := read(t, tab, "read the note", chromedp.Text(chromedp.CSS("#measures-note"))); !strings.Contains(note, "strictly below") {
		t.Errorf("#measures-note = %q, want it to say the line is strict", note)
	}
	do(t, tab, "take the township check",
		chromedp.Navigate(base+path),
		chromedp.WaitVisible(chromedp.CSS(`#exit-stage[data-stage="village_reviewed"]`)),
		chromedp.Click(chromedp.CSS("#exit-check")),
		chromedp.WaitVisible(chromedp.CSS(`#exit-stage[data-stage="posted"]`)),
	)
	do(t, tab, "approve the exit",
		chromedp.Click(chromedp.CSS("#exit-approve")),
		chromedp.WaitVisible(chromedp.CSS(`#household-status[data-status="exited"]`)),
	)
	if got := read(t, tab, "read the note", chromedp.Text(chromedp.CSS("#done"))); strings.TrimSpace(got) != cat["exit.done.approve"]["en"] {
		t.Errorf("#done = %q, want %q", got, cat["exit.done.approve"]["en"])
	}
	after, p0After := exited("reload the county's measures")
	if after != before+1 {
		t.Errorf("exited households in %s: %d before the approval, %d after; want one more", county, before, after)
	}
	t.Logf("county %s: exited %d → %d, P0 %s → %s", county, before, after, p0, p0After)
	if dir := os.Getenv("TIDE_TEST_SCREENSHOTS"); dir != "" {
		for _, shot := range []struct{ name, url, wait string }{
			{"household", base + path, "#household-status"}, {"measures", measures, "#count-exited"},
			{"household_form", base + "/households/new", "#household-form"}, {"exits", base + "/exits", "h1"},
			{"households", base + "/households", "h1"}, {"monitoring", base + "/monitoring", "h1"},
		} {
			do(t, tab, "open "+shot.name+" at 360 px", chromedp.EmulateViewport(360, 740),
				chromedp.Navigate(shot.url), chromedp.WaitVisible(chromedp.CSS(shot.wait)))
			png := read(t, tab, "screenshot "+shot.name, chromedp.FullScreenshot(100))
			if err := os.WriteFile(filepath.Join(dir, shot.name+".png"), png, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
	errs.check(t)

	t.Run("Monitoring", func(t *testing.T) {
		// The household's income is under 1.5 times the line, so screening
		// the county puts it on the list; clearing it makes it exited again.
		c := newRegPageClient(t, base)
		c.login("county1")
		status, loc, body := c.post("/monitoring/screen", url.Values{"region": {county}})
		if status != http.StatusSeeOther || !strings.Contains(loc, "flagged=") || strings.Contains(loc, "flagged=0") {
			t.Fatalf("screen %s: %d %q, want at least one flagged\n%s", county, status, loc, body)
		}
		if _, list := c.get(loc); !strings.Contains(list, `href="`+path+`"`) {
			t.Errorf("the monitoring list does not link to %s", path)
		}
		if _, page := c.get(path); !strings.Contains(page, `data-status="monitored"`) || !strings.Contains(page, `id="watch-visit"`) {
			t.Errorf("the monitored household's page lacks its status or the monitoring steps")
		}
		for _, step := range []string{"visit", "clear"} {
			if status, _, body := c.post(path+"/monitoring", url.Values{"step": {step}}); status != http.StatusSeeOther {
				t.Fatalf("monitoring step %s: %d\n%s", step, status, body)
			}
		}
		if _, page := c.get(path); !strings.Contains(page, `data-status="exited"`) {
			t.Errorf("after clearing, the household is not exited again")
		}
	})

	tab, errs = newTab(t, browser)
	browserLogin(t, tab, base, "county2")
	errs.expectNetworkError(base + path)
	resp := read(t, tab, "open county1's household", chromedp.NavigateResponse(base+path))
	if resp.Status != http.StatusNotFound {
		t.Errorf("county2 opening %s: status %d, want 404", path, resp.Status)
	}
	body := read(t, tab, "read the page", chromedp.Text(chromedp.CSS("body")))
	if !strings.Contains(body, cat["error.notfound"]["en"]) || strings.Contains(body, name) {
		t.Errorf("county2's page for the household does not say %q or shows the name:\n%s", cat["error.notfound"]["en"], body)
	}
	errs.check(t)
}
