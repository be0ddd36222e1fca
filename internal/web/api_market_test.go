package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/policy"
	"github.com/tide-project/tide/internal/registry"
	"github.com/tide-project/tide/internal/secret"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
	"github.com/tide-project/tide/internal/web"
)

// marketSite is a server with a market over a fresh database: county 520101
// with village 520101001001, county 520102, the accounts admin, county1,
// county2, seller1 (a seller account in 520101) and buyer, and a household
// in the village.
type marketSite struct {
	transferSite
	svc       *market.Service
	engage    *engage.Service
	sandbox   *market.Sandbox
	sellerID  int64
	household string
}

func newMarketSite(tb testing.TB) *marketSite {
	tb.Helper()
	db := sqlstore.OpenTest(tb, sqlstore.SQLite)
	ctx := tide.WithActor(context.Background(), tide.System)
	regions := testRegions(tb, db)
	users := user.NewService(db)
	site := &marketSite{transferSite: transferSite{tokens: map[string]string{}, users: users}}
	for _, u := range []struct {
		name  string
		role  tide.Role
		scope string
	}{{"admin", tide.RoleAdmin, ""}, {"county1", tide.RoleCounty, "520101"}, {"county2", tide.RoleCounty, "520102"},
		{"seller1", tide.RoleSeller, "520101"}, {"buyer", tide.RolePublic, ""}} {
		created, err := users.Create(ctx, user.NewUser{Name: u.name, Password: transferPassword, Roles: []tide.Role{u.role}, Scope: u.scope})
		if err != nil {
			tb.Fatal(err)
		}
		if u.name == "seller1" {
			site.sellerID = created.ID
		}
		if site.tokens[u.name], err = users.IssueToken(ctx, u.name, "test"); err != nil {
			tb.Fatal(err)
		}
	}
	sealer, _ := secret.New(bytes.Repeat([]byte{3}, secret.KeyLen))
	policies := policy.NewRegistry()
	reg := registry.NewService(db, sealer, policies, nil)
	h := &registry.Household{Village: "520101001001", IncomePerPerson: 300000,
		Members: []registry.Member{{Name: "Li", Sex: "f", Birth: "1970-01-01", Relation: "head"}}}
	if err := reg.Create(ctx, h); err != nil {
		tb.Fatal(err)
	}
	site.household = h.Ref
	engine := market.NewEngine(db, market.EngineConfig{})
	if err := engine.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { engine.Close() })
	site.sandbox = market.NewSandbox([]byte("callback-secret"), "/sandbox/pay")
	site.svc = market.NewService(db, engine)
	site.svc.PhotoDir, site.svc.Payments, site.svc.Sink = tb.TempDir(), site.sandbox, reg
	site.engage = engage.NewService(db, site.sandbox)
	site.engage.PhotoDir = site.svc.PhotoDir
	s := &web.Server{Regions: regions, Users: users, Store: db, Policies: policies, Registry: reg, Market: site.svc, Participation: db,
		Engage: site.engage, Logger: slog.New(slog.DiscardHandler)}
	site.h = s.Handler()
	return site
}

// call sends v as JSON (when not nil) and decodes the answer into out (when
// not nil), failing unless the status is want.
func (s *marketSite) call(tb testing.TB, who, method, path string, v any, want int, out any) {
	tb.Helper()
	var body io.Reader
	ct := ""
	if v != nil {
		b, _ := json.Marshal(v)
		body, ct = bytes.NewReader(b), "application/json"
	}
	rec := s.do(tb, who, method, path, body, ct)
	if rec.Code != want {
		tb.Fatalf("%s %s as %q: status %d, want %d: %s", method, path, who, rec.Code, want, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			tb.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
}

// errorOf returns the code and field of an error answer.
func errorOf(tb testing.TB, rec *httptest.ResponseRecorder) (code, field string) {
	tb.Helper()
	var e struct {
		Error struct{ Code, Field string }
	}
	json.Unmarshal(rec.Body.Bytes(), &e)
	return e.Error.Code, e.Error.Field
}

func photoForm(tb testing.TB, field string, data []byte) (io.Reader, string) {
	tb.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile(field, "photo.png")
	fw.Write(data)
	mw.Close()
	return &b, mw.FormDataContentType()
}

func TestAPIMarketSale(t *testing.T) {
	site := newMarketSite(t)
	in := web.SellerInput{Name: "Li family", Kind: market.KindHousehold, Region: "520101", Household: site.household, UserID: site.sellerID}
	rec := site.do(t, "buyer", "POST", "/api/v1/sellers", jsonBody(in), "application/json")
	if rec.Code != http.StatusForbidden {
		t.Errorf("a buyer registers a seller: %d, want 403", rec.Code)
	}
	var sl market.Seller
	site.call(t, "admin", "POST", "/api/v1/sellers", in, http.StatusCreated, &sl)
	if sl.Status != market.SellerPending {
		t.Errorf("new seller is %s, want pending", sl.Status)
	}
	product := web.ProductInput{Seller: sl.ID, Name: "Sour soup", Unit: "jar", Price: 2800, Currency: "CNY", Stock: 50, Origin: "520101001001", OnSale: true}
	rec = site.do(t, "seller1", "POST", "/api/v1/products", jsonBody(product), "application/json")
	if code, field := errorOf(t, rec); rec.Code != http.StatusConflict || field != "on_sale" {
		t.Errorf("on sale while pending: %d %s %s, want 409 on_sale", rec.Code, code, field)
	}
	if rec := site.do(t, "county2", "POST", "/api/v1/sellers/"+sl.ID+"/approve", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("another county approves: %d, want 404", rec.Code)
	}
	site.call(t, "county1", "POST", "/api/v1/sellers/"+sl.ID+"/approve", nil, http.StatusOK, &sl)
	var p market.Product
	site.call(t, "seller1", "POST", "/api/v1/products", product, http.StatusCreated, &p)

	// Photos: uploaded by the seller, read by anyone.
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2, 2)))
	body, ct := photoForm(t, "photo", img.Bytes())
	rec = site.do(t, "seller1", "POST", "/api/v1/products/"+p.ID+"/photos", body, ct)
	var ph struct{ ID string }
	if json.Unmarshal(rec.Body.Bytes(), &ph); rec.Code != http.StatusCreated || ph.ID == "" {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	rec = site.do(t, "", "GET", "/api/v1/photos/"+ph.ID, nil, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(rec.Body.Bytes(), img.Bytes()) {
		t.Errorf("GET photo: %d %s, %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	for _, tc := range []struct {
		name  string
		field string
		data  []byte
		want  int
	}{{"Text", "photo", []byte("hello"), 400}, {"OtherField", "file", img.Bytes(), 400},
		{"TooLarge", "photo", append(img.Bytes(), make([]byte, market.MaxPhotoBytes)...), 413}} {
		body, ct := photoForm(t, tc.field, tc.data)
		if rec := site.do(t, "seller1", "POST", "/api/v1/products/"+p.ID+"/photos", body, ct); rec.Code != tc.want {
			t.Errorf("%s: %d, want %d: %s", tc.name, rec.Code, tc.want, rec.Body)
		}
	}
	var products struct {
		Items []market.Product
		Total int
	}
	site.call(t, "", "GET", "/api/v1/products?on_sale=true", nil, http.StatusOK, &products)
	if products.Total != 1 || len(products.Items[0].Photos) != 1 {
		t.Errorf("public products = %+v", products)
	}

	var room market.Room
	site.call(t, "seller1", "POST", "/api/v1/rooms", web.RoomInput{Seller: sl.ID, Title: "Harvest", Products: []string{p.ID}}, http.StatusCreated, &room)
	site.call(t, "seller1", "POST", "/api/v1/rooms/"+room.ID+"/status", map[string]string{"status": "live"}, http.StatusOK, &room)
	var rooms struct{ Total int }
	site.call(t, "", "GET", "/api/v1/rooms?status=live", nil, http.StatusOK, &rooms)
	if rooms.Total != 1 {
		t.Errorf("live rooms = %d, want 1", rooms.Total)
	}

	// An order, placed as the live room places it, paid through the sandbox.
	buyerID := site.userID(t, "buyer")
	buyer := tide.WithActor(context.Background(), &tide.Actor{UserID: buyerID, Name: "buyer", Roles: []tide.Role{tide.RolePublic}})
	o, err := site.svc.PlaceOrder(buyer, market.OrderRequest{Room: room.ID, Product: p.ID, Quantity: 2})
	if err != nil {
		t.Fatal(err)
	}
	var mine struct {
		Items []market.Order
		Total int
	}
	site.call(t, "buyer", "GET", "/api/v1/orders", nil, http.StatusOK, &mine)
	if mine.Total != 1 || mine.Items[0].ProductName != "Sour soup" {
		t.Errorf("buyer's orders = %+v", mine)
	}
	site.call(t, "seller1", "GET", "/api/v1/orders?seller="+sl.ID, nil, http.StatusOK, &mine)
	if mine.Total != 1 {
		t.Errorf("seller's orders = %d, want 1", mine.Total)
	}
	if rec := site.do(t, "buyer", "GET", "/api/v1/orders?seller="+sl.ID, nil, ""); rec.Code != http.StatusBadRequest {
		t.Errorf("a buyer lists the seller's orders: %d, want 400", rec.Code)
	}
	var pay market.Payment
	site.call(t, "buyer", "POST", "/api/v1/orders/"+o.ID+"/pay", nil, http.StatusOK, &pay)
	if !strings.HasPrefix(pay.CheckoutURL, "/sandbox/pay?payment=") || pay.Amount != 5600 {
		t.Errorf("payment = %+v", pay)
	}
	ev := market.PaymentEvent{PaymentID: pay.ID, Status: market.PaymentSucceeded, Amount: 5600, Currency: "CNY"}
	forged, fbody := market.NewSandbox([]byte("guess"), "").Sign(ev)
	if rec := site.callback(t, forged, fbody); rec.Code != http.StatusUnauthorized {
		t.Errorf("forged callback: %d, want 401", rec.Code)
	}
	h, cbody := site.sandbox.Sign(ev)
	for range 2 {
		if rec := site.callback(t, h, cbody); rec.Code != http.StatusNoContent {
			t.Fatalf("callback: %d %s", rec.Code, rec.Body)
		}
	}
	var got market.Order
	site.call(t, "buyer", "GET", "/api/v1/orders/"+o.ID, nil, http.StatusOK, &got)
	if got.State != market.Paid {
		t.Errorf("order is %s, want paid", got.State)
	}
	if rec := site.do(t, "buyer", "POST", "/api/v1/orders/"+o.ID+"/ship", jsonBody(map[string]string{"tracking": "SF1"}), "application/json"); rec.Code != http.StatusNotFound {
		t.Errorf("the buyer ships: %d, want 404", rec.Code)
	}
	site.call(t, "seller1", "POST", "/api/v1/orders/"+o.ID+"/ship", map[string]string{"tracking": "SF1"}, http.StatusOK, &got)
	site.call(t, "buyer", "POST", "/api/v1/orders/"+o.ID+"/deliver", nil, http.StatusOK, &got)
	var income market.Income
	site.call(t, "seller1", "GET", "/api/v1/sellers/"+sl.ID+"/income", nil, http.StatusOK, &income)
	if income.Net != 5600 || income.Orders != 1 {
		t.Errorf("income = %+v, want 5600 from one order", income)
	}
	var hh registry.Household
	site.call(t, "admin", "GET", "/api/v1/households/"+site.household, nil, http.StatusOK, &hh)
	if hh.MarketIncome != 5600 {
		t.Errorf("household market income = %d, want 5600", hh.MarketIncome)
	}
	site.call(t, "seller1", "POST", "/api/v1/orders/"+o.ID+"/refund", map[string]string{"reason": "broken jar"}, http.StatusOK, &got)
	if got.State != market.Refunded {
		t.Errorf("order is %s after refund", got.State)
	}
	if rec := site.do(t, "buyer", "POST", "/api/v1/orders/"+o.ID+"/cancel", nil, ""); rec.Code != http.StatusConflict {
		t.Errorf("cancel a refunded order: %d, want 409", rec.Code)
	}
}

func TestAPIMarketComments(t *testing.T) {
	site := newMarketSite(t)
	var sl market.Seller
	site.call(t, "admin", "POST", "/api/v1/sellers", web.SellerInput{Name: "Co-op", Kind: market.KindCooperative, Region: "520101", UserID: site.sellerID}, http.StatusCreated, &sl)
	var p market.Product
	site.call(t, "seller1", "POST", "/api/v1/products", web.ProductInput{Seller: sl.ID, Name: "Tea", Unit: "box", Price: 100, Currency: "CNY", Stock: 5, Origin: "520101"}, http.StatusCreated, &p)
	var room market.Room
	site.call(t, "seller1", "POST", "/api/v1/rooms", web.RoomInput{Seller: sl.ID, Title: "Tea", Products: []string{p.ID}}, http.StatusCreated, &room)
	path := "/api/v1/rooms/" + room.ID + "/comments"
	if rec := site.do(t, "", "POST", path, jsonBody(map[string]string{"text": "hi"}), "application/json"); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous comment: %d, want 401", rec.Code)
	}
	rec := site.do(t, "buyer", "POST", path, jsonBody(map[string]string{"text": strings.Repeat("a", 201)}), "application/json")
	if _, field := errorOf(t, rec); rec.Code != http.StatusBadRequest || field != "text" {
		t.Errorf("long comment: %d %s, want 400 text", rec.Code, field)
	}
	var c market.Comment
	site.call(t, "buyer", "POST", path, map[string]string{"text": "  fresh tea?  "}, http.StatusCreated, &c)
	site.call(t, "buyer", "POST", path, map[string]string{"text": "two"}, http.StatusCreated, nil)
	site.call(t, "buyer", "POST", path, map[string]string{"text": "three"}, http.StatusCreated, nil)
	if rec := site.do(t, "buyer", "POST", path, jsonBody(map[string]string{"text": "four"}), "application/json"); rec.Code != http.StatusTooManyRequests {
		t.Errorf("fourth comment in 10 s: %d, want 429", rec.Code)
	}
	var list struct{ Items []market.Comment }
	site.call(t, "", "GET", path+"?limit=10", nil, http.StatusOK, &list)
	if len(list.Items) != 3 {
		t.Errorf("comments = %d, want 3", len(list.Items))
	}
	if rec := site.do(t, "buyer", "DELETE", path+"/"+c.ID, nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("a viewer removes a comment: %d, want 403", rec.Code)
	}
	if rec := site.do(t, "seller1", "DELETE", path+"/"+c.ID, nil, ""); rec.Code != http.StatusNoContent {
		t.Errorf("the seller removes a comment: %d, want 204", rec.Code)
	}
	site.call(t, "", "GET", path, nil, http.StatusOK, &list)
	if len(list.Items) != 2 {
		t.Errorf("comments after removal = %d, want 2", len(list.Items))
	}
}

func (s *marketSite) callback(tb testing.TB, h http.Header, body []byte) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest("POST", "/api/v1/payments/sandbox/callback", bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

func (s *marketSite) userID(tb testing.TB, name string) int64 {
	tb.Helper()
	var me struct{ ID int64 }
	s.call(tb, name, "GET", "/api/v1/me", nil, http.StatusOK, &me)
	return me.ID
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}
