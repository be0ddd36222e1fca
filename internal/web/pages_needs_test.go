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
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/web"
)

// TestNeedPages posts a need, approves it, donates to it through the
// sandbox checkout and delivers it, all through the pages; the need's public
// page shows the money in, then out with the proof, and participation
// counts the donor.
func TestNeedPages(t *testing.T) {
	site := newMarketSite(t)
	county, buyer := site.signIn(t, "county1"), site.signIn(t, "buyer")
	bad := url.Values{"kind": {"village"}, "region": {"520101001001"}, "title": {"School bags for Grade 1"}, "amount": {"lots"}}
	wantPage(t, "a need with a bad amount", county.form(t, "/needs/manage", bad), http.StatusBadRequest, `id="error"`)
	bad.Set("amount", "300")
	wantRedirect(t, "post a need", county.form(t, "/needs/manage", bad), "/needs/manage")
	page := wantPage(t, "the officials' list", county.do(t, "GET", "/needs/manage", nil, ""), http.StatusOK, "School bags for Grade 1")
	i := strings.Index(page, `id="approve-`)
	if i < 0 {
		t.Fatal("the pending need has no approve button")
	}
	id := page[i+len(`id="approve-`):]
	id = id[:strings.IndexByte(id, '"')]
	if rec := buyer.do(t, "GET", "/needs/"+id, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("a pending need's public page: %d, want 404", rec.Code)
	}
	wantRedirect(t, "approve", county.form(t, "/needs/"+id+"/approve", url.Values{}), "/needs/manage")
	wantPage(t, "the public list", buyer.do(t, "GET", "/needs", nil, ""), http.StatusOK, `href="/needs/`+id+`"`)
	wantPage(t, "a donation over what is needed", buyer.form(t, "/needs/"+id+"/donate", url.Values{"amount": {"300.01"}}), http.StatusBadRequest, `id="error"`)
	rec := buyer.form(t, "/needs/"+id+"/donate", url.Values{"amount": {"50"}})
	wantRedirect(t, "donate", rec, "/sandbox/pay?payment=")
	checkout := rec.Header().Get("Location")
	wantPage(t, "the donation's checkout", buyer.do(t, "GET", checkout, nil, ""), http.StatusOK, "50.00 CNY")
	if rec := county.do(t, "GET", checkout, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("someone else opens the donor's checkout: %d, want 404", rec.Code)
	}
	payment := strings.TrimPrefix(checkout, "/sandbox/pay?payment=")
	wantRedirect(t, "pay the donation", buyer.form(t, "/sandbox/pay", url.Values{"payment": {payment}, "outcome": {"succeeded"}}), "/donations?done=paid")
	wantPage(t, "my donations", buyer.do(t, "GET", "/donations", nil, ""), http.StatusOK, `id="donation-`+payment+`"`, "50.00 CNY",
		`href="/donations/`+payment+`"`)
	wantPage(t, "the receipt", buyer.do(t, "GET", "/donations/"+payment, nil, ""), http.StatusOK, `id="receipt-amount">50.00 CNY<`,
		"School bags for Grade 1", `<code>`+payment+`</code> (sandbox)`, `id="receipt-state" data-state="paid"`)
	if rec := county.do(t, "GET", "/donations/"+payment, nil, ""); rec.Code != http.StatusNotFound {
		t.Errorf("someone else opens the donor's receipt: %d, want 404", rec.Code)
	}
	page = wantPage(t, "the need after the gift", buyer.do(t, "GET", "/needs/"+id, nil, ""), http.StatusOK, `id="need-in">50.00 CNY<`, `id="need-remaining">250.00 CNY<`,
		`id="need-donors"`, "Anonymous")
	if strings.Contains(page[strings.Index(page, `id="need-donors"`):], "buyer") {
		t.Error("the donors' list names a donor who did not choose to be named")
	}
	// The donor chooses to be named on donor lists.
	wantPage(t, "the privacy form", buyer.do(t, "GET", "/account", nil, ""), http.StatusOK, `id="privacy-form"`, `id="show-name" name="show_name" value="1">`)
	wantRedirect(t, "show my name", buyer.form(t, "/account/privacy", url.Values{"show_name": {"1"}}), "/account?privacy=1")
	wantPage(t, "the privacy saved", buyer.do(t, "GET", "/account?privacy=1", nil, ""), http.StatusOK, `id="privacy-saved"`,
		`id="show-name" name="show_name" value="1" checked>`, `id="hide-region" name="hide_region" value="1">`)
	page = wantPage(t, "the need with a named donor", buyer.do(t, "GET", "/needs/"+id, nil, ""), http.StatusOK, `id="need-donors"`)
	if donors := page[strings.Index(page, `id="need-donors"`):]; !strings.Contains(donors, "<li>buyer · 50.00 CNY") {
		t.Errorf("the donors' list does not name the donor who chose to be named: %.200s", donors)
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 3, 3)))
	deliver := func(csrf, note string, photo []byte) *httptest.ResponseRecorder {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", csrf)
		mw.WriteField("note", note)
		if photo != nil {
			fw, _ := mw.CreateFormFile("photo", "bags.png")
			fw.Write(photo)
		}
		mw.Close()
		return county.do(t, "POST", "/needs/"+id+"/deliver", &body, mw.FormDataContentType())
	}
	if rec := deliver("wrong", "Bags handed out on 1 December", img.Bytes()); rec.Code != http.StatusForbidden {
		t.Errorf("deliver with a wrong CSRF token: %d, want 403", rec.Code)
	}
	wantPage(t, "deliver without a photo", deliver(county.csrf, "Bags handed out on 1 December", nil), http.StatusBadRequest, `id="error"`)
	wantPage(t, "deliver with a text file", deliver(county.csrf, "Bags handed out on 1 December", []byte("a list of names")), http.StatusBadRequest, `id="error"`)
	wantPage(t, "the need before delivery", buyer.do(t, "GET", "/needs/"+id, nil, ""), http.StatusOK, `id="need-out">0.00 CNY<`)
	wantRedirect(t, "deliver", deliver(county.csrf, "Bags handed out on 1 December", img.Bytes()), "/needs/manage")
	page = wantPage(t, "the need after delivery", buyer.do(t, "GET", "/needs/"+id, nil, ""), http.StatusOK, `id="need-out">50.00 CNY<`,
		"Bags handed out on 1 December", `data-state="delivered"`, `id="need-photo"`, `src="/api/v1/needs/`+id+`/photo"`)
	if strings.Contains(page, site.household) {
		t.Errorf("the public need page shows the household's ref %s", site.household)
	}
	if rec := buyer.do(t, "GET", "/api/v1/needs/"+id+"/photo", nil, ""); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), img.Bytes()) {
		t.Errorf("the delivery photo: %d, %d bytes", rec.Code, rec.Body.Len())
	}

	// The donor likes the need and shares it.
	wantRedirect(t, "like", buyer.form(t, "/needs/"+id+"/like", url.Values{}), "/needs/"+id)
	page = wantPage(t, "the need after a like", buyer.do(t, "GET", "/needs/"+id, nil, ""), http.StatusOK, `<span id="need-likes">1</span>`, `aria-pressed="true"`)
	rec = buyer.form(t, "/needs/"+id+"/share", url.Values{})
	if rec.Code != http.StatusSeeOther && rec.Code != http.StatusOK {
		t.Fatalf("share: %d", rec.Code)
	}
	if rec.Code == http.StatusSeeOther {
		rec = buyer.do(t, "GET", rec.Header().Get("Location"), nil, "")
	}
	if !strings.Contains(rec.Body.String(), `id="share-link"`) || !strings.Contains(rec.Body.String(), "/s/") {
		t.Errorf("the need page shows no share link after sharing")
	}

	var p engage.Participation
	site.call(t, "admin", "GET", "/api/v1/participation", nil, http.StatusOK, &p)
	if p.Donated != 1 || p.Participants != 1 || p.Liked != 1 || p.Shared != 1 {
		t.Errorf("participation after one gift = %+v, want 1 donor taking part", p)
	}
	var rep engage.LedgerReport
	site.call(t, "admin", "GET", "/api/v1/ledger/verify", nil, http.StatusOK, &rep)
}

// TestLikeFloodFromOneAddress has three accounts on one address like a need
// far faster than people do: past the address's limit every like is refused
// with 429, and the need keeps one like per person who got through.
func TestLikeFloodFromOneAddress(t *testing.T) {
	site := newMarketSite(t)
	var n engage.Need
	site.call(t, "county1", "POST", "/api/v1/needs", map[string]any{"kind": "village", "region": "520101001001",
		"title": "Seeds", "amount": 10000, "currency": "CNY"}, http.StatusCreated, &n)
	site.call(t, "county1", "POST", "/api/v1/needs/"+n.ID+"/approve", nil, http.StatusOK, nil)
	refused, through := 0, map[string]bool{}
	for _, who := range []string{"buyer", "county1", "county2"} {
		for range web.LikesPerMinute {
			rec := site.do(t, who, "POST", "/api/v1/likes", jsonBody(map[string]string{"kind": "need", "id": n.ID}), "application/json")
			switch rec.Code {
			case http.StatusOK, http.StatusCreated:
				through[who] = true
			case http.StatusTooManyRequests:
				refused++
			default:
				t.Fatalf("like as %s: %d %s", who, rec.Code, rec.Body)
			}
		}
	}
	if refused == 0 || refused < 90-web.AddressLikesPerMinute {
		t.Errorf("%d of 90 likes from one address in an instant refused, want at least %d", refused, 90-web.AddressLikesPerMinute)
	}
	likes, err := site.engage.CountLikes(context.Background(), engage.ItemNeed, n.ID)
	if err != nil || likes.Count != int64(len(through)) {
		t.Errorf("the need has %v likes (%v), want one for each of the %d people who got through", likes, err, len(through))
	}
}
