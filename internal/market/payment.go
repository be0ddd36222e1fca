package market

import (
	"context"
	"net/http"
	"time"
)

// Provider takes payments: a checkout page for the buyer, signed callbacks
// once the buyer has paid, and refunds.
type Provider interface {
	// Name is the provider's name in callback addresses.
	Name() string
	// Checkout opens the payment with the provider and returns the address
	// the buyer pays at.
	Checkout(ctx context.Context, p *Payment) (checkoutURL string, err error)
	// Verify checks a callback's signature and returns what it reports; a
	// forged or stale callback is EUNAUTHORIZED.
	Verify(h http.Header, body []byte) (*PaymentEvent, error)
	// Refund returns a paid payment's money to the buyer.
	Refund(ctx context.Context, p *Payment) error
}

// PaymentState is where a payment stands.
type PaymentState string

// A payment is open until the provider reports it paid or failed; a paid one
// may be refunded.
const (
	PaymentOpen     PaymentState = "open"
	PaymentPaid     PaymentState = "paid"
	PaymentFailed   PaymentState = "failed"
	PaymentRefunded PaymentState = "refunded"
)

// Payment is one attempt to pay for an order.
type Payment struct {
	ID          string       `json:"id"`
	OrderID     string       `json:"order"`
	Provider    string       `json:"provider"`
	State       PaymentState `json:"state"`
	Amount      int64        `json:"amount"`
	Currency    string       `json:"currency"`
	CheckoutURL string       `json:"checkout_url"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// The outcomes a provider reports.
const (
	PaymentSucceeded = "succeeded"
	PaymentDeclined  = "failed"
)

// PaymentEvent is what a provider's callback reports of a payment.
type PaymentEvent struct {
	PaymentID string `json:"payment"`
	// Status is PaymentSucceeded or PaymentDeclined.
	Status   string `json:"status"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}
