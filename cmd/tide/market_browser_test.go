package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// waitTrue polls a JavaScript condition in the tab until it holds, and fails
// the test naming what was awaited when it does not within actionTimeout.
func waitTrue(tb testing.TB, ctx context.Context, what, expr string) {
	tb.Helper()
	deadline := time.Now().Add(actionTimeout)
	for {
		ok := read(tb, ctx, what, chromedp.Evaluate[bool](expr))
		if ok {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: still false after %s: %s (%s)", what, actionTimeout, expr, whereIs(tb, ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// demoLiveRoom is the demo's live room as the API lists it.
type demoLiveRoom struct {
	ID       string   `json:"id"`
	Seller   string   `json:"seller"`
	Products []string `json:"products"`
}

func liveRoom(tb testing.TB, base string) demoLiveRoom {
	tb.Helper()
	var rooms struct {
		Items []demoLiveRoom `json:"items"`
	}
	getJSON(tb, base, "", "/api/v1/rooms?status=live", &rooms)
	if len(rooms.Items) == 0 || len(rooms.Items[0].Products) == 0 {
		tb.Fatalf("the demo has no live room with products: %+v", rooms)
	}
	return rooms.Items[0]
}

// TestMarketBrowser is a live sale in a headless Chromium: two viewers who
// are not signed in watch the demo's live room; public1 buys two units; both
// viewers see the stock fall by two and the sale in the ticker, then see
// public1's comment arrive and go again when seller1 removes it. public1 pays
// through the sandbox checkout, seller1 ships the order from the console,
// public1 confirms delivery, and the cooperative's first member household —
// half the cooperative's shares — shows half the sale as market income in
// the registry, in its page and in the API.
func TestMarketBrowser(t *testing.T) {
	chromiumPath(t)
	ctx, cancel := context.WithTimeout(context.Background(), 240*time.Second) // the demo starts inside it; each step has its own timeout
	defer cancel()
	m := startDemo(t, "")
	base := m.URL()
	room := liveRoom(t, base)
	product := room.Products[0]
	avail := "#avail-" + product
	browser := startBrowser(t, ctx)

	var viewers []context.Context
	var checks []*pageErrors
	for i := 0; i < 2; i++ {
		tab, errs := newTab(t, browser)
		do(t, tab, "open the live room as viewer "+strconv.Itoa(i+1),
			chromedp.Navigate(base+"/rooms/"+room.ID),
			chromedp.WaitVisible(chromedp.CSS(avail)),
		)
		// The event stream's snapshot has arrived once the status badge
		// carries the status it reported.
		waitTrue(t, tab, "receive the snapshot", `document.querySelector("#room-status").getAttribute("data-status") === "live"`)
		viewers, checks = append(viewers, tab), append(checks, errs)
	}
	before, err := strconv.Atoi(strings.TrimSpace(read(t, viewers[0], "read the stock", chromedp.Text(chromedp.CSS(avail)))))
	if err != nil || before < 2 {
		t.Fatalf("the viewer sees %d units (%v); want at least 2", before, err)
	}
	if n := read(t, viewers[0], "look for a like button", chromedp.Evaluate[int](`document.querySelectorAll("#like").length`)); n != 1 {
		t.Errorf("the live room has %d like buttons, want 1", n)
	}

	buyer, buyerErrs := newTab(t, browser)
	browserLogin(t, buyer, base, "public1")
	do(t, buyer, "buy two units",
		chromedp.Navigate(base+"/rooms/"+room.ID),
		chromedp.WaitVisible(chromedp.CSS("#buy-"+product)),
		chromedp.SetValue(chromedp.CSS("#qty-"+product), "2"),
		chromedp.Click(chromedp.CSS("#buy-"+product)),
		chromedp.WaitVisible(chromedp.CSS("#buy-message a")),
	)
	want := strconv.Itoa(before - 2)
	for i, v := range viewers {
		waitTrue(t, v, "viewer "+strconv.Itoa(i+1)+" sees the stock fall",
			`document.querySelector("`+avail+`").textContent.trim() === "`+want+`"`)
		waitTrue(t, v, "viewer "+strconv.Itoa(i+1)+" sees the sale in the ticker",
			`Array.from(document.querySelectorAll("#ticker li")).some(li => li.textContent.includes("× 2"))`)
	}

	do(t, buyer, "comment",
		chromedp.SendKeys(chromedp.CSS("#comment-text"), "Fresh tea, thank you!"),
		chromedp.Click(chromedp.CSS("#comment-send")),
	)
	hasComment := `Array.from(document.querySelectorAll("#comments li")).some(li => li.textContent.includes("Fresh tea, thank you!"))`
	for i, v := range viewers {
		waitTrue(t, v, "viewer "+strconv.Itoa(i+1)+" sees the comment", hasComment)
	}

	do(t, buyer, "open my orders",
		chromedp.Navigate(base+"/orders"),
		chromedp.WaitVisible(chromedp.CSS("#orders")),
	)
	orderID := strings.TrimPrefix(read(t, buyer, "read the order's row", chromedp.Evaluate[string](`document.querySelector("#orders tbody tr").id`)), "order-")
	if orderID == "" {
		t.Fatal("the orders page lists no order")
	}
	do(t, buyer, "pay in the sandbox",
		chromedp.Click(chromedp.CSS("#pay-"+orderID)),
		chromedp.WaitVisible(chromedp.CSS("#sandbox-pay")),
		chromedp.Click(chromedp.CSS("#sandbox-pay")),
		chromedp.WaitVisible(chromedp.CSS("#state-"+orderID+".o-paid")),
	)

	seller, sellerErrs := newTab(t, browser)
	browserLogin(t, seller, base, "seller1")
	do(t, seller, "ship the order",
		chromedp.Navigate(base+"/seller?seller="+room.Seller),
		chromedp.WaitVisible(chromedp.CSS("#order-"+orderID)),
		chromedp.SendKeys(chromedp.CSS("#tracking-"+orderID), "SF1234567890"),
		chromedp.Click(chromedp.CSS("#ship-"+orderID)),
		chromedp.WaitVisible(chromedp.CSS("#state-"+orderID+".o-shipped")),
	)
	do(t, seller, "remove the comment in the live room",
		chromedp.Navigate(base+"/rooms/"+room.ID),
		chromedp.WaitVisible(chromedp.CSS("#comments button.remove-comment")),
	)
	read(t, seller, "click remove", chromedp.Evaluate[bool](`(() => {
		const li = Array.from(document.querySelectorAll("#comments li")).find(li => li.textContent.includes("Fresh tea, thank you!"));
		li.querySelector("button.remove-comment").click();
		return true;
	})()`))
	for i, v := range viewers {
		waitTrue(t, v, "viewer "+strconv.Itoa(i+1)+" sees the comment go", "!"+hasComment)
	}
	county := login(t, base, "county1")
	var sl struct {
		Members []struct {
			Household string `json:"household"`
			Share     int64  `json:"share"`
		} `json:"members"`
	}
	getJSON(t, base, county, "/api/v1/sellers/"+room.Seller, &sl)
	if len(sl.Members) == 0 {
		t.Fatalf("the seller has no members")
	}
	first := sl.Members[0]
	// The demo has delivered orders of this seller already: the delivery
	// adds its share to what the household had.
	var h struct {
		MarketIncome int64 `json:"market_income"`
	}
	getJSON(t, base, county, "/api/v1/households/"+first.Household, &h)
	incomeBefore := h.MarketIncome
	do(t, buyer, "confirm delivery",
		chromedp.Navigate(base+"/orders"),
		chromedp.WaitVisible(chromedp.CSS("#deliver-"+orderID)),
		chromedp.Click(chromedp.CSS("#deliver-"+orderID)),
		chromedp.WaitVisible(chromedp.CSS("#state-"+orderID+".o-delivered")),
	)

	var order struct {
		Total int64 `json:"total"`
	}
	getJSON(t, base, login(t, base, "public1"), "/api/v1/orders/"+orderID, &order)
	if order.Total <= 0 {
		t.Fatalf("the order has a total of %d", order.Total)
	}
	share := order.Total * first.Share / 10000
	getJSON(t, base, county, "/api/v1/households/"+first.Household, &h)
	if h.MarketIncome != incomeBefore+share {
		t.Errorf("household %s has market income %d in the API, want %d before and its %d/10000 share %d of %d", first.Household, h.MarketIncome, incomeBefore, first.Share, share, order.Total)
	}
	officer, officerErrs := newTab(t, browser)
	browserLogin(t, officer, base, "county1")
	do(t, officer, "open the member household",
		chromedp.Navigate(base+"/households/"+first.Household),
		chromedp.WaitVisible(chromedp.CSS("#fact-market-income")),
	)
	got := read(t, officer, "read the market income", chromedp.AttributeValue(chromedp.CSS("#fact-market-income"), "data-minor"))
	if got.Value != strconv.FormatInt(incomeBefore+share, 10) {
		t.Errorf("the household page shows market income %q, want %d", got.Value, incomeBefore+share)
	}
	for _, e := range append(checks, buyerErrs, sellerErrs, officerErrs) {
		e.check(t)
	}
}
