package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestHealthBrowser is a consultation in a headless Chromium, on a small
// fixture: clinic1 files a request in the form; county1 runs the optimiser
// with the page's button; specialist1 finds the patient in the worklist and
// writes the advice; clinic1 reads the advice and sees the room link.
func TestHealthBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	f := startHealth(t)
	base := f.base
	browser := startBrowser(t, ctx)

	clinic, clinicErrs := newTab(t, browser)
	browserLogin(t, clinic, base, "clinic1")
	do(t, clinic, "file a request",
		chromedp.Navigate(base+"/consults"),
		chromedp.WaitVisible(chromedp.CSS("#consult-form")),
		chromedp.SendKeys(chromedp.CSS("#c-name"), "Zhang Lan"),
		chromedp.SendKeys(chromedp.CSS("#c-birth"), "1949"),
		chromedp.SendKeys(chromedp.CSS("#c-complaint"), "Short of breath lying down"),
		chromedp.SetValue(chromedp.CSS("#c-specialty"), "cardiology"),
		chromedp.Click(chromedp.CSS("#c-urgency-urgent")),
		chromedp.Click(chromedp.CSS("#c-consent")),
		chromedp.Click(chromedp.CSS("#consult-submit")),
		chromedp.WaitVisible(chromedp.CSS("#consult-patient")),
	)
	path := currentPath(t, clinic)
	id := strings.TrimPrefix(path, "/consults/")
	if id == path || id == "" {
		t.Fatalf("after filing the tab is at %s, want the request's page", path)
	}
	if st := attribute(t, clinic, "read the state", "#consult-state", "data-state"); st != "open" {
		t.Errorf("the new request's state is %q, want open", st)
	}

	county, countyErrs := newTab(t, browser)
	browserLogin(t, county, base, "county1")
	do(t, county, "run the optimiser",
		chromedp.Navigate(base+"/consults"),
		chromedp.WaitVisible(chromedp.CSS("#assign-run")),
		chromedp.Click(chromedp.CSS("#assign-run")),
		chromedp.WaitVisible(chromedp.CSS("#assign-result")),
	)
	if st := attribute(t, county, "read the request's state", "#consult-state-"+id, "data-state"); st != "assigned" {
		t.Errorf("after the run the request is %q, want assigned", st)
	}

	doctor, doctorErrs := newTab(t, browser)
	browserLogin(t, doctor, base, "specialist1")
	do(t, doctor, "open the worklist",
		chromedp.Navigate(base+"/worklist"),
		chromedp.WaitVisible(chromedp.CSS("#work-"+id)),
	)
	if got := read(t, doctor, "read the worklist", chromedp.Text(chromedp.CSS("#work-open-"+id))); strings.TrimSpace(got) != "Zhang Lan" {
		t.Errorf("the worklist shows %q, want Zhang Lan", got)
	}
	if href := attribute(t, doctor, "read the room link", "#work-room-"+id, "href"); !strings.HasPrefix(href, "/consult/") {
		t.Errorf("the worklist's room link is %q, want /consult/{token}", href)
	}
	advice := "Sleep propped up; furosemide 20 mg each morning; weigh daily."
	do(t, doctor, "write the advice",
		chromedp.Click(chromedp.CSS("#work-open-"+id)),
		chromedp.WaitVisible(chromedp.CSS("#record-form")),
		chromedp.SendKeys(chromedp.CSS("#w-advice"), advice),
		chromedp.SendKeys(chromedp.CSS("#w-referral"), "County hospital for an echocardiogram"),
		chromedp.Click(chromedp.CSS("#record-submit")),
		chromedp.WaitVisible(chromedp.CSS("#record-advice")),
	)

	do(t, clinic, "reopen the request",
		chromedp.Navigate(base+"/consults/"+id),
		chromedp.WaitVisible(chromedp.CSS("#record-advice")),
	)
	if got := read(t, clinic, "read the advice", chromedp.Text(chromedp.CSS("#record-advice"))); strings.TrimSpace(got) != advice {
		t.Errorf("the clinic reads the advice %q, want %q", got, advice)
	}
	if st := attribute(t, clinic, "read the state", "#consult-state", "data-state"); st != "done" {
		t.Errorf("the answered request's state is %q, want done", st)
	}
	if href := attribute(t, clinic, "read the room link", "#room-link", "href"); !strings.HasPrefix(href, "/consult/") {
		t.Errorf("the clinic's room link is %q, want /consult/{token}", href)
	}
	for _, e := range []*pageErrors{clinicErrs, countyErrs, doctorErrs} {
		e.check(t)
	}
}

// attribute reads an attribute of the first element matching the CSS selector.
func attribute(tb testing.TB, ctx context.Context, what, selector, name string) string {
	tb.Helper()
	return read(tb, ctx, what, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(selector)+`) || {getAttribute: () => ""}).getAttribute(`+strconv.Quote(name)+`) || ""`))
}
