package web_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/web"
)

func TestAPIEngageDonation(t *testing.T) {
	site := newMarketSite(t)
	in := web.NeedInput{Kind: engage.ForHousehold, Region: "520101001001", Household: site.household,
		Title: "School bag", Description: "Bag and books for the youngest", Amount: 12000, Currency: "CNY"}
	if rec := site.do(t, "buyer", "POST", "/api/v1/needs", jsonBody(in), "application/json"); rec.Code != http.StatusForbidden {
		t.Errorf("the public posts a need: %d, want 403", rec.Code)
	}
	var n engage.Need
	site.call(t, "county1", "POST", "/api/v1/needs", in, http.StatusCreated, &n)
	if n.State != engage.NeedPending || n.Household != site.household {
		t.Errorf("posted need = %+v", n)
	}
	if rec := site.do(t, "", "GET", "/api/v1/needs/"+n.ID, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("public read of a pending need: %d, want 404", rec.Code)
	}
	if rec := site.do(t, "county2", "POST", "/api/v1/needs/"+n.ID+"/approve", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("another county approves: %d, want 404", rec.Code)
	}
	site.call(t, "county1", "POST", "/api/v1/needs/"+n.ID+"/approve", nil, http.StatusOK, &n)

	if rec := site.do(t, "", "POST", "/api/v1/needs/"+n.ID+"/donations", jsonBody(map[string]int64{"amount": 100}), "application/json"); rec.Code != http.StatusUnauthorized {
		t.Errorf("donate signed out: %d, want 401", rec.Code)
	}
	rec := site.do(t, "buyer", "POST", "/api/v1/needs/"+n.ID+"/donations", jsonBody(map[string]int64{"amount": 12001}), "application/json")
	if code, field := errorOf(t, rec); rec.Code != http.StatusBadRequest || field != "amount" {
		t.Errorf("donate too much: %d %s %s, want 400 amount", rec.Code, code, field)
	}
	var d engage.Donation
	site.call(t, "buyer", "POST", "/api/v1/needs/"+n.ID+"/donations", map[string]int64{"amount": 5000}, http.StatusCreated, &d)
	if !strings.Contains(d.CheckoutURL, d.ID) || d.State != market.PaymentOpen {
		t.Errorf("donation = %+v, want open with a checkout URL", d)
	}

	ev := market.PaymentEvent{PaymentID: d.ID, Status: market.PaymentSucceeded, Amount: 5000, Currency: "CNY"}
	// The market's callback route does not know donations.
	h, body := site.sandbox.Sign(ev)
	if rec := site.signedPost(t, "/api/v1/payments/sandbox/callback", h, body); rec.Code != http.StatusBadRequest {
		t.Errorf("a donation reported to the market: %d, want 400", rec.Code)
	}
	forgedH, forgedBody := market.NewSandbox([]byte("wrong"), "/x").Sign(ev)
	if rec := site.signedPost(t, "/api/v1/donations/callback/sandbox", forgedH, forgedBody); rec.Code != http.StatusUnauthorized {
		t.Errorf("forged callback: %d, want 401", rec.Code)
	}
	for i := range 3 {
		if rec := site.signedPost(t, "/api/v1/donations/callback/sandbox", h, body); rec.Code != http.StatusNoContent {
			t.Fatalf("callback %d: %d %s", i+1, rec.Code, rec.Body)
		}
	}

	var pub map[string]any
	site.call(t, "", "GET", "/api/v1/needs/"+n.ID, nil, http.StatusOK, &pub)
	if pub["in"] != 5000.0 || pub["out"] != 0.0 || pub["remaining"] != 7000.0 {
		t.Errorf("public figures = %v, want in 5000 out 0 remaining 7000", pub)
	}
	rec = site.do(t, "", "GET", "/api/v1/needs", nil, "")
	if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), site.household) || strings.Contains(rec.Body.String(), "Li") ||
		!strings.Contains(rec.Body.String(), n.ID) {
		t.Errorf("public list: %d %s; want the need without its household", rec.Code, rec.Body)
	}
	var donors struct{ Items []engage.Donor }
	site.call(t, "", "GET", "/api/v1/needs/"+n.ID+"/donors", nil, http.StatusOK, &donors)
	if len(donors.Items) != 1 || donors.Items[0].Amount != 5000 || donors.Items[0].Name != "" {
		t.Errorf("public donors = %+v, want one anonymous gift of 5000", donors)
	}
	var receipt engage.Receipt
	site.call(t, "buyer", "GET", "/api/v1/donations/"+d.ID, nil, http.StatusOK, &receipt)
	if receipt.Amount != 5000 || receipt.State != market.PaymentPaid || receipt.NeedTitle != "School bag" || receipt.NeedState != engage.NeedApproved {
		t.Errorf("receipt = %+v", receipt)
	}
	if rec := site.do(t, "county1", "GET", "/api/v1/donations/"+d.ID, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("someone else's receipt: %d, want 404", rec.Code)
	}

	// The donor chooses to be named.
	rec = site.do(t, "buyer", "PUT", "/api/v1/me/privacy", strings.NewReader(`{"show_name": "yes"}`), "application/json")
	if _, field := errorOf(t, rec); rec.Code != http.StatusBadRequest || field != "show_name" {
		t.Errorf("privacy with a string: %d naming %q, want 400 naming show_name", rec.Code, field)
	}
	var privacy map[string]bool
	site.call(t, "buyer", "PUT", "/api/v1/me/privacy", map[string]bool{"show_name": true}, http.StatusOK, &privacy)
	site.call(t, "buyer", "GET", "/api/v1/me/privacy", nil, http.StatusOK, &privacy)
	if !privacy["show_name"] || privacy["hide_region"] {
		t.Errorf("privacy read back = %v, want show_name only", privacy)
	}
	site.call(t, "", "GET", "/api/v1/needs/"+n.ID+"/donors", nil, http.StatusOK, &donors)
	if len(donors.Items) != 1 || donors.Items[0].Name != "buyer" {
		t.Errorf("public donors after choosing to be named = %+v, want buyer", donors)
	}
	if rec := site.do(t, "", "GET", "/api/v1/me/privacy", nil, ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("privacy signed out: %d, want 401", rec.Code)
	}
	var mine struct {
		Items []engage.Donation
		Total int
	}
	site.call(t, "buyer", "GET", "/api/v1/donations", nil, http.StatusOK, &mine)
	if mine.Total != 1 || mine.Items[0].State != market.PaymentPaid {
		t.Errorf("my donations = %+v, want one paid", mine)
	}

	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2, 2)))
	for _, tc := range []struct {
		name, note string
		photo      []byte
		field      string
	}{{"ErrNoPhoto", "Handed to the family", nil, "photo"}, {"ErrNoNote", "", img.Bytes(), "note"},
		{"ErrNotAnImage", "Handed to the family", []byte("%PDF-1.4"), "photo"}} {
		body, ct := proofForm(t, tc.note, tc.photo)
		rec := site.do(t, "county1", "POST", "/api/v1/needs/"+n.ID+"/deliver", body, ct)
		if _, field := errorOf(t, rec); rec.Code != http.StatusBadRequest || field != tc.field {
			t.Errorf("%s: %d naming %q, want 400 naming %s: %s", tc.name, rec.Code, field, tc.field, rec.Body)
		}
	}
	if rec := site.do(t, "county1", "POST", "/api/v1/needs/"+n.ID+"/deliver", jsonBody(map[string]string{"note": "x"}), "application/json"); rec.Code != http.StatusBadRequest {
		t.Errorf("deliver by JSON: %d, want 400", rec.Code)
	}
	if rec := site.do(t, "", "GET", "/api/v1/needs/"+n.ID+"/photo", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("photo before delivery: %d, want 404", rec.Code)
	}
	proof, ct := proofForm(t, "Handed to the family", img.Bytes())
	rec = site.do(t, "county1", "POST", "/api/v1/needs/"+n.ID+"/deliver", proof, ct)
	if rec.Code != http.StatusOK {
		t.Fatalf("deliver: %d %s", rec.Code, rec.Body)
	}
	json.Unmarshal(rec.Body.Bytes(), &n)
	if n.State != engage.NeedDelivered || n.Delivered != 5000 || n.DeliveryPhoto == "" {
		t.Errorf("delivered need = %+v", n)
	}
	rec = site.do(t, "", "GET", "/api/v1/needs/"+n.ID+"/photo", nil, "")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/png" || !bytes.Equal(rec.Body.Bytes(), img.Bytes()) {
		t.Errorf("public photo: %d %s, %d bytes", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len())
	}
	rec = site.do(t, "", "GET", "/api/v1/needs/"+n.ID, nil, "")
	if got := rec.Body.String(); !strings.Contains(got, `"delivery_photo":true`) || !strings.Contains(got, "Handed to the family") ||
		strings.Contains(got, site.household) || strings.Contains(got, n.DeliveryPhoto) {
		t.Errorf("public delivered need: %s; want its proof and neither the household nor the photo's file", got)
	}
	if rec := site.do(t, "county1", "GET", "/api/v1/ledger/verify", nil, ""); rec.Code != http.StatusForbidden {
		t.Errorf("a county officer verifies the ledger: %d, want 403", rec.Code)
	}
	var rep engage.LedgerReport
	site.call(t, "admin", "GET", "/api/v1/ledger/verify", nil, http.StatusOK, &rep)
	if !rep.OK || rep.Transactions != 2 {
		t.Errorf("ledger = %+v, want ok with 2 transactions", rep)
	}
}

func TestAPIEngageAbsent(t *testing.T) {
	_, h := newServer(t)
	site := &transferSite{h: h}
	if rec := site.do(t, "", "GET", "/api/v1/needs", nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("needs without engage: %d, want 404", rec.Code)
	}
}

// signedPost sends a provider's callback to path with its headers.
func (s *marketSite) signedPost(tb testing.TB, path string, h http.Header, body []byte) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// proofForm is a delivery's multipart body: the note, then the photo when
// there is one.
func proofForm(tb testing.TB, note string, photo []byte) (io.Reader, string) {
	tb.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("note", note)
	if photo != nil {
		fw, _ := mw.CreateFormFile("photo", "delivery.png")
		fw.Write(photo)
	}
	mw.Close()
	return &b, mw.FormDataContentType()
}
