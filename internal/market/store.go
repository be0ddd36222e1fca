package market

import (
	"context"

	"github.com/tide-project/tide/internal/audit"
)

// OrderStore is what the order engine needs of storage: small on purpose, so
// that the hot path is one batched insert and everything else is cold.
type OrderStore interface {
	// FindProduct and FindRoom return ENOTFOUND when there is none.
	FindProduct(ctx context.Context, id string) (*Product, error)
	FindRoom(ctx context.Context, id string) (*Room, error)
	// ProductSales sums the committed orders of a product that are not
	// cancelled, in all and per buyer.
	ProductSales(ctx context.Context, productID string) (Sales, error)
	// InsertOrders writes orders in one transaction. An order whose buyer
	// already has an order under the same idempotency key is not written and
	// its index is returned in skipped; any other failure writes nothing.
	InsertOrders(ctx context.Context, orders []*Order) (skipped []int, err error)
	// FindOrderIDs reports which of ids are stored, to settle a commit whose
	// outcome is unknown.
	FindOrderIDs(ctx context.Context, ids []string) (map[string]bool, error)
	// FindOrderByKey returns the buyer's order under an idempotency key, or
	// ENOTFOUND.
	FindOrderByKey(ctx context.Context, buyer int64, key string) (*Order, error)
	// SetOrderState moves an order from one state to another with its audit
	// entry; ECONFLICT when the order is no longer in state from.
	SetOrderState(ctx context.Context, id string, from, to State, c audit.Change) error
}

// Store persists the market. Writes other than order inserts append their
// audit change in the same transaction; orders are their own record.
type Store interface {
	OrderStore
	CreateSeller(ctx context.Context, s *Seller, c audit.Change) error
	FindSeller(ctx context.Context, id string) (*Seller, error)
	CreateProduct(ctx context.Context, p *Product, c audit.Change) error
	UpdateProduct(ctx context.Context, p *Product, c audit.Change) error
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, int, error)
	CreateRoom(ctx context.Context, r *Room, c audit.Change) error
	SetRoomStatus(ctx context.Context, id string, from, to RoomStatus, c audit.Change) error
	FindOrder(ctx context.Context, id string) (*Order, error)
	FindOrders(ctx context.Context, f OrderFilter) ([]*Order, int, error)
}
