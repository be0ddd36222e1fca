package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/web"
)

// form posts fields with the browser's CSRF token.
func (b *browser) form(tb testing.TB, path string, fields url.Values) *httptest.ResponseRecorder {
	tb.Helper()
	fields.Set("csrf", b.csrf)
	return b.do(tb, "POST", path, strings.NewReader(fields.Encode()), "application/x-www-form-urlencoded")
}

func wantRedirect(tb testing.TB, what string, rec *httptest.ResponseRecorder, prefix string) {
	tb.Helper()
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), prefix) {
		tb.Fatalf("%s: %d to %q, want 303 to %s…: %s", what, rec.Code, rec.Header().Get("Location"), prefix, rec.Body)
	}
}

func wantPage(tb testing.TB, what string, rec *httptest.ResponseRecorder, status int, parts ...string) string {
	tb.Helper()
	if rec.Code != status {
		tb.Fatalf("%s: %d, want %d", what, rec.Code, status)
	}
	body := rec.Body.String()
	for _, p := range parts {
		if !strings.Contains(body, p) {
			tb.Errorf("%s: the page lacks %q", what, p)
		}
	}
	return body
}

// TestSellerPages runs a seller through the pages: the county approves it,
// the seller lists a product, adds a photo (and has a text file refused),
// schedules a room and takes it live; the room is then on the public market
// page and plays under a policy that lets streams in.
func TestSellerPages(t *testing.T) {
	site := newMarketSite(t)
	var sl market.Seller
	site.call(t, "admin", "POST", "/api/v1/sellers", web.SellerInput{Name: "Li family", Kind: market.KindHousehold,
		Region: "520101001001", Household: site.household, UserID: site.sellerID}, http.StatusCreated, &sl)
	seller, county, other := site.signIn(t, "seller1"), site.signIn(t, "county1"), site.signIn(t, "county2")

	wantPage(t, "console while pending", seller.do(t, "GET", "/seller", nil, ""), http.StatusOK, `id="seller-pending"`, "Li family")
	product := url.Values{"seller": {sl.ID}, "name": {"Sour soup"}, "unit": {"jar"}, "price": {"28.50"}, "stock": {"40"},
		"origin": {"520101001001"}, "on_sale": {"1"}}
	if rec := seller.form(t, "/seller/products", product); rec.Code == http.StatusSeeOther {
		t.Fatalf("a pending seller put a product on sale")
	}
	wantPage(t, "the approval list", county.do(t, "GET", "/sellers", nil, ""), http.StatusOK, `id="approve-`+sl.ID+`"`)
	if rec := other.form(t, "/sellers/"+sl.ID+"/approve", url.Values{}); rec.Code != http.StatusNotFound {
		t.Errorf("another county approves: %d, want 404", rec.Code)
	}
	if rec := seller.do(t, "GET", "/sellers", nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("a seller opens the approval list: %d, want 403", rec.Code)
	}
	wantRedirect(t, "approve", county.form(t, "/sellers/"+sl.ID+"/approve", url.Values{}), "/sellers")

	coop := url.Values{"name": {"Hill co-op"}, "kind": {"cooperative"}, "region": {"520101001"}, "account": {"seller1"},
		"members": {site.household + " 60\r\nH-NOT-THERE"}}
	wantPage(t, "a cooperative with a bad member line", county.form(t, "/sellers", coop), http.StatusBadRequest, "line 2")
	coop.Set("members", site.household+" 100")
	coop.Set("account", "county2")
	wantPage(t, "a cooperative run by an account of another county", county.form(t, "/sellers", coop), http.StatusBadRequest, "no account county2")
	coop.Set("account", "seller1")
	wantRedirect(t, "register a cooperative", county.form(t, "/sellers", coop), "/sellers")
	wantPage(t, "the console lists both sellers", seller.do(t, "GET", "/seller", nil, ""), http.StatusOK, "Hill co-op", "Li family")

	bad := url.Values{}
	for k, v := range product {
		bad[k] = v
	}
	bad.Set("price", "twelve")
	wantPage(t, "a product with a bad price", seller.form(t, "/seller/products", bad), http.StatusBadRequest, `id="error"`, "price")
	wantRedirect(t, "add a product", seller.form(t, "/seller/products", product), "/seller?seller="+sl.ID)
	var products struct{ Items []market.Product }
	site.call(t, "", "GET", "/api/v1/products?seller="+sl.ID, nil, http.StatusOK, &products)
	if len(products.Items) != 1 || products.Items[0].Price != 2850 || products.Items[0].Stock != 40 {
		t.Fatalf("products after the form: %+v", products.Items)
	}
	p := products.Items[0]

	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 3, 3)))
	upload := func(csrf string, data []byte) *httptest.ResponseRecorder {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", csrf)
		mw.WriteField("seller", sl.ID)
		fw, _ := mw.CreateFormFile("photo", "p.png")
		fw.Write(data)
		mw.Close()
		return seller.do(t, "POST", "/seller/products/"+p.ID+"/photos", &body, mw.FormDataContentType())
	}
	if rec := upload("wrong", img.Bytes()); rec.Code != http.StatusForbidden {
		t.Errorf("photo with a wrong CSRF token: %d, want 403", rec.Code)
	}
	if rec := upload(seller.csrf, []byte("not a picture at all")); rec.Code != http.StatusBadRequest {
		t.Errorf("a text file as a photo: %d, want 400", rec.Code)
	}
	wantRedirect(t, "add a photo", upload(seller.csrf, img.Bytes()), "/seller?seller="+sl.ID)
	site.call(t, "", "GET", "/api/v1/products/"+p.ID, nil, http.StatusOK, &p)
	if len(p.Photos) != 1 {
		t.Fatalf("the product has %d photos after one good and one refused upload", len(p.Photos))
	}

	wantRedirect(t, "schedule a room", seller.form(t, "/seller/rooms", url.Values{"seller": {sl.ID}, "title": {"Soup live"},
		"stream_url": {"https://streams.example/live/soup.m3u8"}, "product": {p.ID}}), "/seller?seller="+sl.ID)
	var rooms struct{ Items []market.Room }
	site.call(t, "", "GET", "/api/v1/rooms?seller="+sl.ID, nil, http.StatusOK, &rooms)
	if len(rooms.Items) != 1 {
		t.Fatalf("rooms after the form: %+v", rooms.Items)
	}
	room := rooms.Items[0]
	wantRedirect(t, "go live", seller.form(t, "/seller/rooms/"+room.ID+"/status", url.Values{"seller": {sl.ID}, "status": {"live"}}), "/seller")
	anon := &browser{site: &site.transferSite}
	wantPage(t, "the public market", anon.do(t, "GET", "/market", nil, ""), http.StatusOK, `href="/rooms/`+room.ID+`"`)
	rec := anon.do(t, "GET", "/rooms/"+room.ID, nil, "")
	wantPage(t, "the live room", rec, http.StatusOK, `id="avail-`+p.ID+`">40<`, `data-src="https://streams.example/live/soup.m3u8"`,
		"/static/vendor/hls.light.min.js", `/api/v1/photos/`+p.Photos[0])
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' blob: https:") {
		t.Errorf("the live room's policy does not let the stream play: %q", csp)
	}
	if rec := anon.do(t, "GET", "/seller", nil, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("the console without signing in: %d, want a redirect to sign in", rec.Code)
	}
}

// TestBuyerPages signs a member of the public up, and has them pay an order
// through the sandbox checkout; another buyer cannot open that checkout.
func TestBuyerPages(t *testing.T) {
	site := newMarketSite(t)
	room, product := site.liveRoom(t)
	anon := &browser{site: &site.transferSite, csrf: strings.Repeat("d", 40)}
	anon.cookies = []*http.Cookie{{Name: "tide_csrf", Value: anon.csrf}}
	codes := &codeBox{}
	site.users.Sender = codes
	if rec := anon.form(t, "/signup/code", url.Values{"contact": {"call me maybe"}}); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "country code") {
		t.Errorf("a code to a bad contact: %d", rec.Code)
	}
	wantPage(t, "send a code", anon.form(t, "/signup/code", url.Values{"contact": {"+84 912 345-678"}}), http.StatusOK, `id="code-sent"`, "84912345678")
	if rec := anon.form(t, "/signup/code", url.Values{"contact": {"+84912345678"}}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("a second code at once: %d, want 429", rec.Code)
	}
	code := codes.code(t, "+84912345678")
	signup := url.Values{"contact": {"+84912345678"}, "code": {code}, "name": {"mei"}, "display_name": {"Mei"}, "password": {"a-long-password"},
		"home_region": {"520101001001"}, "next": {"/rooms/" + room}}
	wrong := url.Values{}
	for k, v := range signup {
		wrong[k] = v
	}
	wrong.Set("code", map[bool]string{true: "000001", false: "000000"}[code == "000000"])
	wantPage(t, "sign up with a wrong code", anon.form(t, "/signup", wrong), http.StatusBadRequest, "code is wrong", `value="mei"`)
	wrong.Set("code", code)
	wrong.Set("name", "Mei Li")
	wantPage(t, "sign up with a bad name", anon.form(t, "/signup", wrong), http.StatusBadRequest, "lower-case")
	rec := anon.form(t, "/signup", signup)
	wantRedirect(t, "sign up", rec, "/rooms/"+room)
	var session string
	for _, c := range rec.Result().Cookies() {
		if c.Name == "tide_session" {
			session = c.Value
		}
	}
	if session == "" {
		t.Fatal("sign-up set no session")
	}
	if rec := anon.form(t, "/signup", signup); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "taken") {
		t.Errorf("sign-up with a taken name: %d, want 409", rec.Code)
	}
	wantPage(t, "a code to the same phone again", anon.form(t, "/signup/code", url.Values{"contact": {"+84912345678"}}), http.StatusOK, `id="code-sent"`)
	signup.Set("code", codes.code(t, "+84912345678"))
	signup.Set("name", "mei2")
	if rec := anon.form(t, "/signup", signup); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "already has an account") {
		t.Errorf("a second account for one phone: %d, want 409", rec.Code)
	}
	mei := &browser{site: &site.transferSite, csrf: anon.csrf, cookies: append(anon.cookies, &http.Cookie{Name: "tide_session", Value: session})}

	// The live room buys with the session and the CSRF header.
	req := strings.NewReader(`{"product":"` + product + `","quantity":2}`)
	buy := func(csrf string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/api/v1/rooms/"+room+"/orders", req)
		for _, c := range mei.cookies {
			r.AddCookie(c)
		}
		r.Header.Set("X-CSRF-Token", csrf)
		r.Header.Set("Idempotency-Key", "k-1")
		rec := httptest.NewRecorder()
		site.h.ServeHTTP(rec, r)
		return rec
	}
	if rec := buy("forged"); rec.Code != http.StatusUnauthorized && rec.Code != http.StatusForbidden {
		t.Errorf("buying with the session and a wrong CSRF header: %d, want 401 or 403", rec.Code)
	}
	req = strings.NewReader(`{"product":"` + product + `","quantity":2}`)
	if rec := buy(mei.csrf); rec.Code != http.StatusCreated {
		t.Fatalf("buying from the page: %d %s", rec.Code, rec.Body)
	}
	page := wantPage(t, "my orders", mei.do(t, "GET", "/orders", nil, ""), http.StatusOK, `id="orders"`)
	i := strings.Index(page, `id="pay-`)
	if i < 0 {
		t.Fatal("the placed order has no pay button")
	}
	order := page[i+len(`id="pay-`):]
	order = order[:strings.IndexByte(order, '"')]
	rec = mei.form(t, "/orders/"+order+"/pay", url.Values{})
	wantRedirect(t, "pay", rec, "/sandbox/pay?payment=")
	checkout := rec.Header().Get("Location")
	payment := strings.TrimPrefix(checkout, "/sandbox/pay?payment=")
	wantPage(t, "the checkout", mei.do(t, "GET", checkout, nil, ""), http.StatusOK, `id="sandbox-pay"`, "57.00")
	other := site.signIn(t, "buyer")
	if rec := other.do(t, "GET", checkout, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("another buyer opens the checkout: %d, want 404", rec.Code)
	}
	if rec := other.form(t, "/sandbox/pay", url.Values{"payment": {payment}, "outcome": {"succeeded"}}); rec.Code != http.StatusNotFound {
		t.Errorf("another buyer pays the checkout: %d, want 404", rec.Code)
	}
	wantRedirect(t, "decline", mei.form(t, "/sandbox/pay", url.Values{"payment": {payment}, "outcome": {"failed"}}), "/orders?done=declined")
	wantPage(t, "after a decline", mei.do(t, "GET", "/orders", nil, ""), http.StatusOK, `id="state-`+order+`"`, `o-placed`)
	rec = mei.form(t, "/orders/"+order+"/pay", url.Values{})
	wantRedirect(t, "pay again", rec, "/sandbox/pay?payment=")
	payment = strings.TrimPrefix(rec.Header().Get("Location"), "/sandbox/pay?payment=")
	wantRedirect(t, "pay", mei.form(t, "/sandbox/pay", url.Values{"payment": {payment}, "outcome": {"succeeded"}}), "/orders?done=paid")
	wantPage(t, "after paying", mei.do(t, "GET", "/orders", nil, ""), http.StatusOK, `o-paid`)

	// Mei deletes her account: she is signed out for good, and her paid
	// order stays with the seller.
	wantPage(t, "her account page", mei.do(t, "GET", "/account", nil, ""), http.StatusOK, `id="delete-form"`)
	wantPage(t, "delete with a wrong password", mei.form(t, "/account/delete", url.Values{"password": {"not-her-password"}}), http.StatusBadRequest, "password is wrong")
	wantRedirect(t, "delete her account", mei.form(t, "/account/delete", url.Values{"password": {"a-long-password"}}), "/market")
	if rec := mei.do(t, "GET", "/orders", nil, ""); rec.Code != http.StatusSeeOther {
		t.Errorf("her old session after deletion: %d, want a redirect to sign in", rec.Code)
	}
	var sales struct{ Total int }
	site.call(t, "seller1", "GET", "/api/v1/orders?seller="+sellerOf(t, site, room), nil, http.StatusOK, &sales)
	if sales.Total != 1 {
		t.Errorf("the seller has %d orders after the buyer left, want 1", sales.Total)
	}
	if rec := site.signIn(t, "seller1").do(t, "GET", "/account", nil, ""); strings.Contains(rec.Body.String(), `id="delete-form"`) {
		t.Error("a seller's account offers deletion by its owner")
	}
}

// sellerOf returns the seller of a room.
func sellerOf(tb testing.TB, site *marketSite, room string) string {
	tb.Helper()
	var r market.Room
	site.call(tb, "", "GET", "/api/v1/rooms/"+room, nil, http.StatusOK, &r)
	return r.SellerID
}

// liveRoom makes an approved seller with a product at 28.50 a jar and a live
// room selling it, and returns the room's and the product's IDs.
func (s *marketSite) liveRoom(tb testing.TB) (string, string) {
	tb.Helper()
	var sl market.Seller
	s.call(tb, "admin", "POST", "/api/v1/sellers", web.SellerInput{Name: "Li family", Kind: market.KindHousehold,
		Region: "520101001001", Household: s.household, UserID: s.sellerID}, http.StatusCreated, &sl)
	s.call(tb, "county1", "POST", "/api/v1/sellers/"+sl.ID+"/approve", nil, http.StatusOK, &sl)
	var p market.Product
	s.call(tb, "seller1", "POST", "/api/v1/products", web.ProductInput{Seller: sl.ID, Name: "Sour soup", Unit: "jar", Price: 2850,
		Currency: "CNY", Stock: 50, Origin: "520101001001", OnSale: true}, http.StatusCreated, &p)
	var room market.Room
	s.call(tb, "seller1", "POST", "/api/v1/rooms", web.RoomInput{Seller: sl.ID, Title: "Soup live", Products: []string{p.ID}}, http.StatusCreated, &room)
	s.call(tb, "seller1", "POST", "/api/v1/rooms/"+room.ID+"/status", map[string]string{"status": "live"}, http.StatusOK, &room)
	return room.ID, p.ID
}

// TestOrderOfAnotherRoomsProduct refuses an order naming a product that is on
// sale, but in another room, and writes nothing.
func TestOrderOfAnotherRoomsProduct(t *testing.T) {
	site := newMarketSite(t)
	room, product := site.liveRoom(t)
	var p market.Product
	site.call(t, "seller1", "GET", "/api/v1/products/"+product, nil, http.StatusOK, &p)
	other := web.ProductInput{Seller: p.SellerID, Name: "Smoked pork", Unit: "kg", Price: 9800, Currency: "CNY", Stock: 20,
		Origin: "520101001001", OnSale: true}
	var q market.Product
	site.call(t, "seller1", "POST", "/api/v1/products", other, http.StatusCreated, &q)
	var second market.Room
	site.call(t, "seller1", "POST", "/api/v1/rooms", web.RoomInput{Seller: p.SellerID, Title: "Pork live", Products: []string{q.ID}}, http.StatusCreated, &second)
	site.call(t, "seller1", "POST", "/api/v1/rooms/"+second.ID+"/status", map[string]string{"status": "live"}, http.StatusOK, &second)

	rec := site.do(t, "buyer", "POST", "/api/v1/rooms/"+room+"/orders", strings.NewReader(`{"product":"`+q.ID+`","quantity":1}`), "application/json")
	if code, field := errorOf(t, rec); rec.Code != http.StatusBadRequest || field != "product" {
		t.Errorf("ordering another room's product: %d %s %s, want 400 on product", rec.Code, code, field)
	}
	var mine struct{ Total int }
	site.call(t, "buyer", "GET", "/api/v1/orders", nil, http.StatusOK, &mine)
	if mine.Total != 0 {
		t.Errorf("the refused order left %d orders", mine.Total)
	}
}

// codeBox is a sign-up code sender that keeps the last code for each
// contact instead of sending it.
type codeBox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (b *codeBox) Send(ctx context.Context, to, message string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.codes == nil {
		b.codes = map[string]string{}
	}
	b.codes[to] = regexp.MustCompile(`[0-9]{6}`).FindString(message)
	return nil
}

func (b *codeBox) code(tb testing.TB, to string) string {
	tb.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.codes[to] == "" {
		tb.Fatalf("no code was sent to %s", to)
	}
	return b.codes[to]
}
