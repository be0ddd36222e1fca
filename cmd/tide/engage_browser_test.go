package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// logBuffer is a log the test reads while the server writes it.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// needFixture is a small county with one household and an approved need
// for it: enough for a donation's whole path, without the demo province.
type needFixture struct {
	Need, Household    string
	Member, ID, Phone  string
	Registrar, Officer string
}

// startNeedFixture serves a fresh data folder holding the fixture, with the
// server's log, where the log sender writes sign-up codes, in logs.
func startNeedFixture(tb testing.TB, logs *logBuffer) (*Main, needFixture) {
	tb.Helper()
	m := NewMain()
	m.Config.Addr, m.Config.Data, m.Out = "127.0.0.1:0", tb.TempDir(), io.Discard
	m.Logger = slog.New(slog.NewTextHandler(logs, nil))
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	ctx := tide.WithActor(context.Background(), tide.System)
	if err := m.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := m.DB.CreateRegions(ctx, []*region.Region{
		{Code: "52", Name: "Guizhou", Level: region.Province},
		{Code: "5226", Name: "Qiandongnan", Level: region.Prefecture, Parent: "52"},
		{Code: "522601", Name: "Kaili", Level: region.County, Parent: "5226"},
		{Code: "522601100", Name: "Sankeshu", Level: region.Township, Parent: "522601"},
		{Code: "522601100201", Name: "Nanhua", Level: region.Village, Parent: "522601100"},
	}, nil); err != nil {
		tb.Fatal(err)
	}
	f := needFixture{Member: "Wu Meifang", Phone: "13912345678", Registrar: "registrar1", Officer: "county1",
		ID: "52260119800214062" + string(registry.ChineseIDCheck("52260119800214062"))}
	for _, u := range []user.NewUser{
		{Name: f.Registrar, Password: demoPassword, Roles: []tide.Role{tide.RoleRegistrar}, Scope: "522601100"},
		{Name: f.Officer, Password: demoPassword, Roles: []tide.Role{tide.RoleCounty}, Scope: "522601"},
	} {
		if _, err := m.Users.Create(ctx, u); err != nil {
			tb.Fatalf("create %s: %v", u.Name, err)
		}
	}
	h := &registry.Household{Village: "522601100201", IncomePerPerson: 280000, Members: []registry.Member{
		{Name: f.Member, Sex: "f", Birth: "1980-02-14", Relation: "head", IDNumber: f.ID, Phone: f.Phone}}}
	if err := m.Registry.Create(ctx, h); err != nil {
		tb.Fatalf("create household: %v", err)
	}
	f.Household = h.Ref
	registrar, _ := m.DB.FindUserByName(ctx, f.Registrar)
	officer, _ := m.DB.FindUserByName(ctx, f.Officer)
	n := &engage.Need{Kind: engage.ForHousehold, Region: h.Village, Household: h.Ref, Title: "Roof tiles after the storm",
		Description: "The roof of a family's house blew off in May.", Amount: 600_00, Currency: "CNY"}
	if err := m.Engage.CreateNeed(tide.WithActor(ctx, registrar.Actor()), n); err != nil {
		tb.Fatalf("create need: %v", err)
	}
	if _, err := m.Engage.ApproveNeed(tide.WithActor(ctx, officer.Actor()), n.ID); err != nil {
		tb.Fatalf("approve need: %v", err)
	}
	f.Need = n.ID
	if err := m.Start(); err != nil {
		tb.Fatal(err)
	}
	return m, f
}

// TestEngageBrowser is a donation's whole path in a headless Chromium: a
// member of the public signs up with the code the log sender wrote, gives
// to an approved need through the sandbox checkout and reads the receipt;
// the registrar marks the need delivered with a note and a photo; and the
// need's public page shows the money in and out with the proof, and no
// personal data of the household. It runs when TIDE_TEST_BROWSER is set,
// as CI does.
func TestEngageBrowser(t *testing.T) {
	if os.Getenv(browserEnv) == "" {
		t.Skipf("set %s=1 to drive a headless Chromium", browserEnv)
	}
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	logs := &logBuffer{}
	m, f := startNeedFixture(t, logs)
	base := m.URL()
	browser := startBrowser(t, ctx)

	donor, donorErrs := newTab(t, browser)
	do(t, donor, "ask for a sign-up code",
		chromedp.Navigate(base+"/signup?next=/needs/"+f.Need),
		chromedp.WaitVisible(chromedp.CSS("#contact")),
		chromedp.SendKeys(chromedp.CSS("#contact"), "+86 138 0000 1111"),
		chromedp.Click(chromedp.CSS("#signup-send")),
		chromedp.WaitVisible(chromedp.CSS("#code-sent")),
	)
	codes := regexp.MustCompile(`to=\+8613800001111 .*Your Tide code is ([0-9]{6})`).FindAllStringSubmatch(logs.String(), -1)
	if len(codes) != 1 {
		t.Fatalf("the log holds %d codes for the donor's phone, want 1", len(codes))
	}
	do(t, donor, "sign up",
		chromedp.SendKeys(chromedp.CSS("#code"), codes[0][1]),
		chromedp.SendKeys(chromedp.CSS("#name"), "mei"),
		chromedp.SendKeys(chromedp.CSS("#display_name"), "Mei from Guiyang"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a-long-password"),
		chromedp.Click(chromedp.CSS("#signup-submit")),
		chromedp.WaitVisible(chromedp.CSS("#donate-form")),
	)
	do(t, donor, "donate 120 and pay in the sandbox",
		chromedp.SendKeys(chromedp.CSS("#donate-amount"), "120"),
		chromedp.Click(chromedp.CSS("#donate-submit")),
		chromedp.WaitVisible(chromedp.CSS("#sandbox-pay")),
		chromedp.Click(chromedp.CSS("#sandbox-pay")),
		chromedp.WaitVisible(chromedp.CSS("#donations")),
	)
	receipt := read(t, donor, "find the receipt link", chromedp.Evaluate[string](`document.querySelector("#donations a[id^=receipt-]").getAttribute("href")`))
	do(t, donor, "open the receipt",
		chromedp.Navigate(base+receipt),
		chromedp.WaitVisible(chromedp.CSS("#receipt")),
	)
	if got := read(t, donor, "read the receipt's amount", chromedp.Text(chromedp.CSS("#receipt-amount"))); got != "120.00 CNY" {
		t.Errorf("the receipt's amount is %q, want 120.00 CNY", got)
	}
	if got := read(t, donor, "read the receipt's state", chromedp.AttributeValue(chromedp.CSS("#receipt-state"), "data-state")); got.Value != "paid" {
		t.Errorf("the receipt's state is %q, want paid", got.Value)
	}
	if got := read(t, donor, "read the receipt's reference", chromedp.Text(chromedp.CSS("#receipt-reference code"))); "/donations/"+got != receipt {
		t.Errorf("the receipt's payment reference is %q, want the donation's %s", got, strings.TrimPrefix(receipt, "/donations/"))
	}

	photo := filepath.Join(t.TempDir(), "tiles.png")
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = 0xa0
	}
	img.Set(1, 1, color.Black)
	var b bytes.Buffer
	png.Encode(&b, img)
	if err := os.WriteFile(photo, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	registrar, registrarErrs := newTab(t, browser)
	browserLogin(t, registrar, base, f.Registrar)
	const note = "Tiles delivered to the family and laid by the village team on 3 June."
	do(t, registrar, "mark the need delivered with a photo",
		chromedp.Navigate(base+"/needs/manage"),
		chromedp.WaitVisible(chromedp.CSS("#note-"+f.Need)),
		chromedp.SendKeys(chromedp.CSS("#note-"+f.Need), note),
		chromedp.SetUploadFiles(chromedp.CSS("#photo-"+f.Need), []string{photo}),
		chromedp.Click(chromedp.CSS("#deliver-"+f.Need)),
		chromedp.WaitVisible(chromedp.CSS(`#need-state-`+f.Need)),
	)
	waitTrue(t, registrar, "see the need delivered", `document.querySelector("#deliver-`+f.Need+`") === null`)

	visitor, visitorErrs := newTab(t, browser)
	do(t, visitor, "open the need's public page",
		chromedp.Navigate(base+"/needs/"+f.Need),
		chromedp.WaitVisible(chromedp.CSS("#need-photo")),
	)
	waitTrue(t, visitor, "load the delivery photo", `document.querySelector("#need-photo").complete && document.querySelector("#need-photo").naturalWidth === 40`)
	for sel, want := range map[string]string{"#need-in": "120.00 CNY", "#need-out": "120.00 CNY", "#need-proof": note} {
		if got := read(t, visitor, "read "+sel, chromedp.Text(chromedp.CSS(sel))); got != want {
			t.Errorf("%s shows %q, want %q", sel, got, want)
		}
	}
	if got := read(t, visitor, "read the state", chromedp.AttributeValue(chromedp.CSS("#need-state"), "data-state")); got.Value != "delivered" {
		t.Errorf("the need's state is %q, want delivered", got.Value)
	}
	html := read(t, visitor, "read the page", chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	for what, private := range map[string]string{"member's name": f.Member, "ID number": f.ID, "ID number's end": f.ID[10:],
		"phone": f.Phone, "household ref": f.Household, "donor's name": "Mei from Guiyang"} {
		if strings.Contains(html, private) {
			t.Errorf("the need's public page shows the %s %q", what, private)
		}
	}
	for _, e := range []*pageErrors{donorErrs, registrarErrs, visitorErrs} {
		e.check(t)
	}
}
