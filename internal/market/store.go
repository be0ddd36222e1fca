package market

import (
	"context"
	"time"

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
	// CreateSeller checks that the seller's region and households exist and
	// that the households lie in its region, naming the field at fault.
	CreateSeller(ctx context.Context, s *Seller, c audit.Change) error
	FindSeller(ctx context.Context, id string) (*Seller, error)
	FindSellers(ctx context.Context, f SellerFilter) ([]*Seller, int, error)
	// SetSellerStatus moves a seller from one status to another; ECONFLICT
	// when it is no longer in status from.
	SetSellerStatus(ctx context.Context, id string, from, to SellerStatus, c audit.Change) error

	CreateProduct(ctx context.Context, p *Product, c audit.Change) error
	// UpdateProduct stores everything of a product but its seller, creation
	// and photos.
	UpdateProduct(ctx context.Context, p *Product, c audit.Change) error
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, int, error)
	// AddPhoto records a photo after the product's others; ECONFLICT when
	// the product has MaxPhotos already.
	AddPhoto(ctx context.Context, ph *Photo, c audit.Change) error
	// RemovePhoto forgets a photo of a product, or answers ENOTFOUND.
	RemovePhoto(ctx context.Context, productID, photoID string, c audit.Change) error
	FindPhoto(ctx context.Context, id string) (*Photo, error)

	CreateRoom(ctx context.Context, r *Room, c audit.Change) error
	SetRoomStatus(ctx context.Context, id string, from, to RoomStatus, c audit.Change) error
	FindRooms(ctx context.Context, f RoomFilter) ([]*Room, int, error)
	// AddLikes adds n likes to a room's count.
	AddLikes(ctx context.Context, room string, n int64) error

	FindOrder(ctx context.Context, id string) (*Order, error)
	FindOrders(ctx context.Context, f OrderFilter) ([]*Order, int, error)
	// MoveOrder makes a transition in one transaction: the order's state (and
	// tracking), the payment's state and the income entries, with the audit
	// entry. ECONFLICT, and nothing written, when the order or the payment is
	// no longer where the transition starts.
	MoveOrder(ctx context.Context, t *Transition, c audit.Change) error

	CreatePayment(ctx context.Context, p *Payment, c audit.Change) error
	FindPayment(ctx context.Context, id string) (*Payment, error)
	// FindPayments returns an order's payments, newest first.
	FindPayments(ctx context.Context, orderID string) ([]*Payment, error)
	// SetPaymentState moves a payment alone; ECONFLICT when it is no longer
	// in state from.
	SetPaymentState(ctx context.Context, id string, from, to PaymentState, c audit.Change) error

	// SellerIncome sums a seller's income entries of a year.
	SellerIncome(ctx context.Context, sellerID string, year int) (Income, error)
	// UnsyncedIncome returns up to limit income entries not yet told to the
	// registry, oldest first; MarkIncomeSynced marks them told.
	UnsyncedIncome(ctx context.Context, limit int) ([]IncomeEntry, error)
	MarkIncomeSynced(ctx context.Context, entries []IncomeEntry) error

	CreateComment(ctx context.Context, cm *Comment) error
	FindComment(ctx context.Context, id string) (*Comment, error)
	// FindComments returns a room's newest comments, newest first.
	FindComments(ctx context.Context, roomID string, limit int) ([]*Comment, error)
	DeleteComment(ctx context.Context, id string, c audit.Change) error
}

// Transition is one move of an order through its states, with what moves
// with it.
type Transition struct {
	OrderID  string
	From, To State
	// Tracking, when set, is stored with the order.
	Tracking string
	// Payment, when set, moves from PaymentFrom to PaymentTo with the order.
	Payment                string
	PaymentFrom, PaymentTo PaymentState
	// Income is written with the move: credits on delivery, debits on a
	// refund after it.
	Income []IncomeEntry
	At     time.Time
}
