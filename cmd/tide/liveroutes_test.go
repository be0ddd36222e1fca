package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// startSale serves a live sale in process from a fresh data folder.
func startSale(tb testing.TB, buyers int, stock, limit int64) (string, *liveSale) {
	tb.Helper()
	dir, sale := saleFolder(tb, buyers, stock, limit)
	m := NewMain()
	m.Config.Addr, m.Config.Data, m.Out = "127.0.0.1:0", dir, io.Discard
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	if err := m.Open(context.Background()); err != nil {
		tb.Fatal(err)
	}
	if err := m.Start(); err != nil {
		tb.Fatal(err)
	}
	return m.URL(), sale
}

// TestSellExactlyTheStock has many buyers at once on a small stock: exactly
// the stock is acknowledged, the rest are told it is sold out.
func TestSellExactlyTheStock(t *testing.T) {
	const stock, buyers = 37, 40
	base, sale := startSale(t, buyers, stock, 0)
	var sold, refused atomic.Int64
	var wg sync.WaitGroup
	for b := range buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				status, _, err := buy(base, sale.Tokens[b], sale.Room, sale.Product, fmt.Sprintf("%d-%d", b, i), 1)
				switch {
				case status == http.StatusCreated:
					sold.Add(1)
				case status == http.StatusConflict:
					refused.Add(1)
					return
				default:
					t.Errorf("buyer %d: status %d (%v)", b, status, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if sold.Load() != stock || refused.Load() != buyers {
		t.Errorf("sold %d, sold out told to %d; want %d and %d", sold.Load(), refused.Load(), stock, buyers)
	}
	if f := firstFrame(t, base, sale.Room); f.Products[0].Available != 0 {
		t.Errorf("live stock after the sale = %d, want 0", f.Products[0].Available)
	}
}

// post sends a request with optional headers and returns status and body.
func post(tb testing.TB, base, path, body string, headers ...string) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := saleClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLiveRoutes(t *testing.T) {
	base, sale := startSale(t, 2, 100, 5)
	orders := "/api/v1/rooms/" + sale.Room + "/orders"
	bearer := "Bearer " + sale.Tokens[0]
	good := fmt.Sprintf(`{"product":%q,"quantity":2}`, sale.Product)

	s1, b1 := post(t, base, orders, good, "Authorization", bearer, "Idempotency-Key", "key-1")
	s2, b2 := post(t, base, orders, good, "Authorization", bearer, "Idempotency-Key", "key-1")
	if s1 != 201 || s2 != 201 || b1 != b2 {
		t.Errorf("retry under one key: %d %s then %d %s, want the same 201 answer", s1, b1, s2, b2)
	}
	for _, tc := range []struct {
		name, path, body string
		headers          []string
		status           int
		want             string
	}{
		{"NoSignIn", orders, good, nil, 401, `"unauthorized"`},
		{"BadToken", orders, good, []string{"Authorization", "Bearer nope"}, 401, `"unauthorized"`},
		{"NegativeQuantity", orders, fmt.Sprintf(`{"product":%q,"quantity":-1}`, sale.Product), []string{"Authorization", bearer}, 400, `"field":"quantity"`},
		{"HugeQuantity", orders, fmt.Sprintf(`{"product":%q,"quantity":1e30}`, sale.Product), []string{"Authorization", bearer}, 400, `"field":"quantity"`},
		{"UnknownProduct", orders, `{"product":"nope","quantity":1}`, []string{"Authorization", bearer}, 400, `"field":"product"`},
		{"MalformedBody", orders, `{"product":`, []string{"Authorization", bearer}, 400, `"invalid"`},
		{"BodyTooLarge", orders, `{"product":"` + strings.Repeat("x", 2000) + `"}`, []string{"Authorization", bearer}, 413, `"too_large"`},
		{"UnknownRoom", "/api/v1/rooms/nope/orders", good, []string{"Authorization", bearer}, 404, `"not_found"`},
		{"OverLimit", orders, fmt.Sprintf(`{"product":%q,"quantity":4}`, sale.Product), []string{"Authorization", bearer}, 429, `"too_many_requests"`},
		{"CookieWithoutCSRF", orders, good, []string{"Cookie", "tide_session=" + sale.Tokens[1]}, 401, `"unauthorized"`},
		{"CookieWrongCSRF", orders, good, []string{"Cookie", "tide_session=" + sale.Tokens[1] + "; tide_csrf=" + strings.Repeat("a", 32), "X-CSRF-Token", strings.Repeat("b", 32)}, 403, `"forbidden"`},
		{"CookieWithCSRF", orders, good, []string{"Cookie", "tide_session=" + sale.Tokens[1] + "; tide_csrf=" + strings.Repeat("a", 32), "X-CSRF-Token", strings.Repeat("a", 32)}, 201, `"buyer"`},
		{"Like", "/api/v1/rooms/" + sale.Room + "/likes", `{"count":3}`, nil, 204, ``},
		{"TooManyLikes", "/api/v1/rooms/" + sale.Room + "/likes", `{"count":51}`, nil, 400, `"field":"count"`},
		{"LikeUnknownRoom", "/api/v1/rooms/nope/likes", `{"count":1}`, nil, 404, `"not_found"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(t, base, tc.path, tc.body, tc.headers...)
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("status %d body %s, want %d with %s", status, body, tc.status, tc.want)
			}
		})
	}
	limited := false
	for range 20 {
		if status, _ := post(t, base, "/api/v1/rooms/"+sale.Room+"/likes", `{"count":1}`); status == 429 {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("20 likes at once from one client were all taken, want a 429")
	}
	resp, err := saleClient.Get(base + "/api/v1/rooms/nope/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("events of an unknown room: status %d, want 404", resp.StatusCode)
	}
	if f := firstFrame(t, base, sale.Room); f.Products[0].Available != 96 {
		t.Errorf("live stock = %d, want 96 after orders of 2 and 2", f.Products[0].Available)
	}
}
