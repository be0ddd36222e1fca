package market

import (
	"strings"
	"testing"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

func TestOrderRequestValidate(t *testing.T) {
	ok := OrderRequest{Room: "r", Product: "p", Quantity: 1, IdempotencyKey: NewID()}
	for _, tc := range []struct {
		name  string
		edit  func(r *OrderRequest)
		field string
	}{
		{"Valid", func(r *OrderRequest) {}, ""},
		{"ValidMax", func(r *OrderRequest) { r.Quantity = MaxOrderQuantity }, ""},
		{"ValidNoKey", func(r *OrderRequest) { r.IdempotencyKey = "" }, ""},
		{"ErrRoomMissing", func(r *OrderRequest) { r.Room = "  " }, "room"},
		{"ErrProductMissing", func(r *OrderRequest) { r.Product = "" }, "product"},
		{"ErrQuantityZero", func(r *OrderRequest) { r.Quantity = 0 }, "quantity"},
		{"ErrQuantityNegative", func(r *OrderRequest) { r.Quantity = -3 }, "quantity"},
		{"ErrQuantityOverMax", func(r *OrderRequest) { r.Quantity = MaxOrderQuantity + 1 }, "quantity"},
		{"ErrKeyTooLong", func(r *OrderRequest) { r.IdempotencyKey = strings.Repeat("k", MaxKeyLen+1) }, "idempotency_key"},
		{"ErrKeyControl", func(r *OrderRequest) { r.IdempotencyKey = "a\nb" }, "idempotency_key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			checkField(t, r.Validate(), tc.field)
		})
	}
}

func TestProductValidate(t *testing.T) {
	ok := Product{SellerID: "s", Name: "Tea", Unit: "box", Price: 3500, Currency: "cny", Stock: 300, Origin: "522601"}
	for _, tc := range []struct {
		name  string
		edit  func(p *Product)
		field string
	}{
		{"Valid", func(p *Product) {}, ""},
		{"ValidNoStock", func(p *Product) { p.Stock = 0 }, ""},
		{"ErrSeller", func(p *Product) { p.SellerID = "" }, "seller"},
		{"ErrName", func(p *Product) { p.Name = " " }, "name"},
		{"ErrNameLong", func(p *Product) { p.Name = strings.Repeat("茶", MaxNameLen+1) }, "name"},
		{"ErrUnit", func(p *Product) { p.Unit = "" }, "unit"},
		{"ErrPriceZero", func(p *Product) { p.Price = 0 }, "price"},
		{"ErrPriceHuge", func(p *Product) { p.Price = MaxPrice + 1 }, "price"},
		{"ErrCurrency", func(p *Product) { p.Currency = "yuan" }, "currency"},
		{"ErrStockNegative", func(p *Product) { p.Stock = -1 }, "stock"},
		{"ErrLimitNegative", func(p *Product) { p.BuyerLimit = -1 }, "buyer_limit"},
		{"ErrOrigin", func(p *Product) { p.Origin = "" }, "origin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			checkField(t, p.Validate(), tc.field)
			if tc.field == "" && p.Currency != "CNY" {
				t.Errorf("currency = %q, want CNY", p.Currency)
			}
		})
	}
}

func TestSellerAndRoomValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     Seller
		field string
	}{
		{"ValidHousehold", Seller{Name: "Wang", Kind: KindHousehold, Region: "522601", Household: "01j"}, ""},
		{"ValidCooperative", Seller{Name: "Co-op", Kind: KindCooperative, Region: "522601"}, ""},
		{"ErrKind", Seller{Name: "X", Kind: "shop", Region: "522601"}, "kind"},
		{"ErrHouseholdMissing", Seller{Name: "X", Kind: KindHousehold, Region: "522601"}, "household"},
		{"ErrCooperativeHousehold", Seller{Name: "X", Kind: KindCooperative, Region: "5226", Household: "h"}, "household"},
		{"ErrRegion", Seller{Name: "X", Kind: KindCooperative}, "region"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkField(t, tc.s.Validate(), tc.field) })
	}
	ok := Room{Title: "Night market", Status: RoomScheduled, Products: []string{"a", "b"}}
	for _, tc := range []struct {
		name  string
		edit  func(r *Room)
		field string
	}{
		{"Valid", func(r *Room) {}, ""},
		{"ValidStream", func(r *Room) { r.StreamURL = "https://live.example/r/1" }, ""},
		{"ErrTitle", func(r *Room) { r.Title = "" }, "title"},
		{"ErrStream", func(r *Room) { r.StreamURL = "javascript:alert(1)" }, "stream_url"},
		{"ErrStatus", func(r *Room) { r.Status = "open" }, "status"},
		{"ErrNoProducts", func(r *Room) { r.Products = nil }, "products"},
		{"ErrProductTwice", func(r *Room) { r.Products = []string{"a", "a"} }, "products"},
	} {
		t.Run("Room"+tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			checkField(t, r.Validate(), tc.field)
		})
	}
}

func TestTransitions(t *testing.T) {
	for _, tc := range []struct {
		from, to State
		want     bool
	}{
		{Placed, Paid, true}, {Placed, Cancelled, true}, {Paid, Cancelled, true}, {Paid, Shipped, true},
		{Shipped, Delivered, true}, {Delivered, Refunded, true}, {Shipped, Cancelled, false},
		{Cancelled, Placed, false}, {Placed, Delivered, false}, {Refunded, Paid, false},
	} {
		if got := tc.from.CanBecome(tc.to); got != tc.want {
			t.Errorf("%s → %s = %v, want %v", tc.from, tc.to, got, tc.want)
		}
	}
	if !RoomScheduled.CanBecome(RoomLive) || !RoomLive.CanBecome(RoomEnded) || RoomEnded.CanBecome(RoomLive) || RoomLive.CanBecome(RoomScheduled) {
		t.Error("room status transitions are wrong")
	}
}

func TestNewID(t *testing.T) {
	prev := ""
	seen := map[string]bool{}
	for range 1000 {
		id := NewID()
		if len(id) != 26 || strings.ToLower(id) != id {
			t.Fatalf("id %q is not a lowercase ULID", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if id[:10] < prev {
			t.Fatalf("id %q is older than %q", id, prev)
		}
		prev = id[:10]
	}
}

func TestKeyTableForgets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	kt := newKeyTable(time.Minute, 32*4)
	k := idemKey{buyer: 1, key: "a"}
	p, q := &placement{}, &placement{}
	if got := kt.claim(k, p, now); got != nil {
		t.Fatalf("first claim = %p, want nil", got)
	}
	if got := kt.claim(k, q, now.Add(90*time.Second)); got != p {
		t.Fatalf("claim within two TTLs = %p, want the first %p", got, p)
	}
	if got := kt.claim(k, q, now.Add(200*time.Second)); got != nil {
		t.Fatalf("claim after two TTLs = %p, want nil", got)
	}
	kt.forget(k, q)
	if got := kt.claim(k, p, now.Add(200*time.Second)); got != nil {
		t.Fatalf("claim after forget = %p, want nil", got)
	}
	// A full shard rotates early, so memory stays bounded under load.
	s, _ := kt.shard(k)
	for i := range 100 * kt.cap {
		kt.claim(idemKey{buyer: int64(i + 2), key: "x"}, &placement{}, now.Add(200*time.Second))
	}
	if n := len(s.cur) + len(s.prev); n > 2*kt.cap {
		t.Errorf("shard holds %d keys, want at most %d", n, 2*kt.cap)
	}
}

func checkField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Errorf("got %v, want no error", err)
		}
		return
	}
	if got := tide.ErrorCode(err); got != tide.EINVALID {
		t.Errorf("code = %q (%v), want %q", got, err, tide.EINVALID)
	}
	if got := tide.ErrorField(err); got != field {
		t.Errorf("field = %q (%v), want %q", got, err, field)
	}
}
