package market

import (
	"errors"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// Error codes of the order engine. A sold-out product is a conflict (HTTP
// 409); a buyer over the product's limit is ELimit (HTTP 429), so a client can
// tell "nothing left" from "you have had your share".
const (
	ESoldOut = tide.ECONFLICT
	ELimit   = tide.ETOOMANY
)

// ErrStopped answers orders that arrive while the engine is stopping or after
// it stopped; none of them was committed.
var ErrStopped = errors.New("the order engine is stopped")

// Bounds on an order.
const (
	MaxOrderQuantity = 99
	MaxKeyLen        = 100
)

// State is where an order stands.
type State string

// The states. Stock returns to the product only on cancellation: a refund
// comes after the goods have left.
const (
	Placed    State = "placed"
	Paid      State = "paid"
	Shipped   State = "shipped"
	Delivered State = "delivered"
	Cancelled State = "cancelled"
	Refunded  State = "refunded"
)

// States lists them in lifecycle order.
var States = []State{Placed, Paid, Shipped, Delivered, Cancelled, Refunded}

var transitions = map[State][]State{
	Placed:    {Paid, Cancelled},
	Paid:      {Shipped, Cancelled},
	Shipped:   {Delivered, Refunded},
	Delivered: {Refunded},
}

// CanBecome reports whether an order in state s may move to next.
func (s State) CanBecome(next State) bool {
	for _, t := range transitions[s] {
		if t == next {
			return true
		}
	}
	return false
}

// Order is one acknowledged purchase. Its ID is public; the buyer is a user ID.
type Order struct {
	ID        string `json:"id"`
	RoomID    string `json:"room"`
	ProductID string `json:"product"`
	// Region is the product's origin, so orders shard by county with it.
	Region    string `json:"-"`
	BuyerID   int64  `json:"buyer"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"`
	Total     int64  `json:"total"`
	Currency  string `json:"currency"`
	State     State  `json:"state"`
	// ProductName is the product's name, for display; orders read from the
	// store carry it.
	ProductName string `json:"product_name,omitempty"`
	// Tracking is the carrier's tracking number once shipped.
	Tracking string `json:"tracking,omitempty"`
	// IdempotencyKey is the client's key; with BuyerID it is unique.
	IdempotencyKey string    `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// OrderRequest is what a buyer asks for.
type OrderRequest struct {
	Room     string `json:"room"`
	Product  string `json:"product"`
	Quantity int64  `json:"quantity"`
	// IdempotencyKey makes a retried request answer the order the first one
	// made; empty means the request is not retried safely. Keys that grow
	// with time (ULIDs, UUIDv7) are cheapest for the store to index.
	IdempotencyKey string `json:"-"`
}

// Validate checks the request on its own, naming the field at fault.
func (r *OrderRequest) Validate() error {
	r.Room, r.Product = strings.TrimSpace(r.Room), strings.TrimSpace(r.Product)
	switch {
	case r.Room == "":
		return tide.Invalid("room", "room is required")
	case r.Product == "":
		return tide.Invalid("product", "product is required")
	case r.Quantity < 1 || r.Quantity > MaxOrderQuantity:
		return tide.Invalid("quantity", "quantity must be between 1 and %d", MaxOrderQuantity)
	case len(r.IdempotencyKey) > MaxKeyLen:
		return tide.Invalid("idempotency_key", "idempotency key is longer than %d characters", MaxKeyLen)
	case strings.ContainsFunc(r.IdempotencyKey, func(c rune) bool { return c < ' ' || c == 0x7f }):
		return tide.Invalid("idempotency_key", "idempotency key may not hold control characters")
	}
	return nil
}

// sameAs reports whether o is what r asks for, so a reused key with another
// body is refused instead of answered with an unrelated order.
func (r *OrderRequest) sameAs(o *Order) bool {
	return o.RoomID == r.Room && o.ProductID == r.Product && o.Quantity == r.Quantity
}

func errKeyReused() error {
	return tide.Invalid("idempotency_key", "this idempotency key was used for a different order")
}

// OrderFilter selects orders.
type OrderFilter struct {
	ProductID string
	RoomID    string
	BuyerID   int64
	SellerID  string
	State     State
	// PlacedBefore keeps orders created before it, when set.
	PlacedBefore time.Time
	// Mine asks the service for the caller's orders as buyer.
	Mine   bool
	Offset int
	Limit  int
}

// Sales is what committed, not cancelled orders hold of one product: in all
// and per buyer. The engine rebuilds its stock from it.
type Sales struct {
	Total   int64
	ByBuyer map[int64]int64
}
