package engage

import (
	"time"

	"github.com/tide-project/tide/internal/market"
)

// DonationState is where a donation's payment stands; it follows the
// payment states of the market's providers.
type DonationState = market.PaymentState

// Donation is one gift of a signed-in member of the public to a need, and
// the payment that carries it. Donations are kept apart from the market's
// payments, so a callback about one can never settle the other.
type Donation struct {
	ID          string        `json:"id"`
	NeedID      string        `json:"need"`
	DonorID     int64         `json:"-"`
	Amount      int64         `json:"amount"`
	Currency    string        `json:"currency"`
	Provider    string        `json:"provider"`
	State       DonationState `json:"state"`
	CheckoutURL string        `json:"checkout_url,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// payment is the donation as its provider sees it.
func (d *Donation) payment() *market.Payment {
	return &market.Payment{ID: d.ID, OrderID: "donation:" + d.NeedID, Provider: d.Provider, State: d.State,
		Amount: d.Amount, Currency: d.Currency, CheckoutURL: d.CheckoutURL, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// DonationFilter selects donations: a donor's, or a need's.
type DonationFilter struct {
	DonorID int64
	NeedID  string
	State   DonationState
	Offset  int
	Limit   int
}
