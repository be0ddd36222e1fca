package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestOverviewBrowser is a public visitor in a headless Chromium: signed
// out, they open the prefecture's overview, see a chart for each figure
// with its value beside it and a map of the two counties, click the second
// county on the map, and the overview moves to it, its map now showing the
// county's township. A screenshot of the page at 360 px wide is saved to
// TIDE_TEST_SCREENSHOTS when set, else to the test's artifact folder
// (kept with go test -artifacts), and its path logged.
func TestOverviewBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	site := startConnectSite(t, "")
	browser := startBrowser(t, ctx)
	tab, errs := newTab(t, browser)

	do(t, tab, "open the prefecture's overview at 360 px",
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(site.base+"/overview?region=5201"),
		chromedp.WaitVisible(chromedp.CSS("#overview-title")),
	)
	if got := read(t, tab, "count the charts", chromedp.Evaluate[int](`document.querySelectorAll("section.figure svg.chart rect").length`)); got < 9*7 {
		t.Errorf("the charts have %d bars, want 7 years for each of 9 figures", got)
	}
	if got := read(t, tab, "read the headcount", chromedp.Text(chromedp.CSS("#value-headcount"))); strings.TrimSpace(got) != "2" {
		t.Errorf("headcount shown = %q, want 2", got)
	}
	if got := read(t, tab, "read the consultations", chromedp.Text(chromedp.CSS("#value-consultations"))); strings.TrimSpace(got) != "0" {
		t.Errorf("consultations shown = %q, want 0: the fixture has none", got)
	}
	if got := read(t, tab, "count the map's regions", chromedp.Evaluate[int](`document.querySelectorAll("svg.map a.map-region path").length`)); got != 2 {
		t.Fatalf("the map shows %d regions, want the 2 counties", got)
	}
	if read(t, tab, "see the map", chromedp.Evaluate[bool](`document.querySelector("svg.map").getBoundingClientRect().height > 100`)) == false {
		t.Error("the map is not drawn on the page")
	}
	shot := read(t, tab, "screenshot the overview", chromedp.FullScreenshot(100))
	dir := os.Getenv("TIDE_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	path := filepath.Join(dir, "overview.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the overview: %s (%d bytes)", path, len(shot))

	do(t, tab, "click the second county on the map",
		chromedp.Click(chromedp.CSS("#map-520102 path")),
	)
	waitTrue(t, tab, "the overview moves to the county", `document.querySelector("#overview-title") !== null && document.querySelector("#overview-title").dataset.region === "520102"`)
	if p := currentPath(t, tab); p != "/overview" {
		t.Errorf("path after the click = %q, want /overview", p)
	}
	loc := read(t, tab, "read the address", chromedp.Location())
	if !strings.Contains(loc, "region=520102") {
		t.Errorf("address after the click = %q, want region=520102", loc)
	}
	if got := read(t, tab, "read the township on the map", chromedp.Evaluate[int](`document.querySelectorAll("#map-520102001").length`)); got != 1 {
		t.Errorf("the county's map shows %d townships, want its one", got)
	}
	if got := read(t, tab, "read the trail", chromedp.Text(chromedp.CSS("nav.trail"))); !strings.Contains(got, "Prefecture A") {
		t.Errorf("trail = %q, want it to lead back to the prefecture", got)
	}
	errs.check(t)
}
