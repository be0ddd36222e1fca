// Package engage is the public's part in Tide: needs posted for a household,
// a village or a school, and donations to them held in a double-entry ledger
// that always balances.
package engage

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/tide"
)

// Kind is what a need is for.
type Kind string

// A need helps one household of the registry, a whole village, or a school.
const (
	ForHousehold Kind = "household"
	ForVillage   Kind = "village"
	ForSchool    Kind = "school"
)

// NeedState is where a need stands.
type NeedState string

// A need is pending until its county approves it; approved needs take
// donations until funded, and are delivered or cancelled.
const (
	NeedPending   NeedState = "pending"
	NeedApproved  NeedState = "approved"
	NeedFunded    NeedState = "funded"
	NeedDelivered NeedState = "delivered"
	NeedCancelled NeedState = "cancelled"
)

// Bounds of a need's text and amount.
const (
	MaxTitle       = 120
	MaxDescription = 2000
	MaxNote        = 1000
	MaxAmount      = 100_000_000_00 // a hundred million in major units
)

// Need is something a household, village or school lacks, posted so the
// public can pay for it.
type Need struct {
	ID   string `json:"id"`
	Kind Kind   `json:"kind"`
	// Region is the village (or the school's region) the need lies in.
	Region string `json:"region"`
	// Household is the registry ref of a household need; never shown to
	// the public.
	Household   string    `json:"household,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	State       NeedState `json:"state"`
	// Raised is the money paid in and not refunded; Delivered is the money
	// released on delivery.
	Raised       int64  `json:"raised"`
	Delivered    int64  `json:"delivered"`
	DeliveryNote string `json:"delivery_note,omitempty"`
	// DeliveryPhoto is the ID of the photo proving the delivery, and
	// DeliveryPhotoType its content type.
	DeliveryPhoto     string    `json:"delivery_photo,omitempty"`
	DeliveryPhotoType string    `json:"-"`
	CreatedBy         int64     `json:"created_by"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Remaining is what the need still wants.
func (n *Need) Remaining() int64 { return max(n.Amount-n.Raised, 0) }

// Validate checks a new need's fields, naming the first at fault.
func (n *Need) Validate() error {
	n.Title, n.Description = strings.TrimSpace(n.Title), strings.TrimSpace(n.Description)
	switch n.Kind {
	case ForHousehold:
		if n.Household == "" {
			return tide.Invalid("household", "a household need names its household")
		}
	case ForVillage, ForSchool:
		if n.Household != "" {
			return tide.Invalid("household", "only a household need names a household")
		}
	default:
		return tide.Invalid("kind", "kind must be household, village or school")
	}
	if n.Region == "" {
		return tide.Invalid("region", "region is required")
	}
	if n.Title == "" || utf8.RuneCountInString(n.Title) > MaxTitle {
		return tide.Invalid("title", "title must have 1 to %d characters", MaxTitle)
	}
	if utf8.RuneCountInString(n.Description) > MaxDescription {
		return tide.Invalid("description", "description must have at most %d characters", MaxDescription)
	}
	if n.Household != "" && (strings.Contains(n.Title, n.Household) || strings.Contains(n.Description, n.Household)) {
		return tide.Invalid("description", "the public text may not name the household's registry ref")
	}
	if n.Amount <= 0 || n.Amount > MaxAmount {
		return tide.Invalid("amount", "amount must be 1 to %d minor units", int64(MaxAmount))
	}
	if len(n.Currency) != 3 || strings.ToUpper(n.Currency) != n.Currency {
		return tide.Invalid("currency", "currency must be a three-letter ISO code such as CNY")
	}
	return nil
}

// PublicNeed is what anyone may read of an approved need: no household, no
// account, only the region code and the need's own text and figures.
type PublicNeed struct {
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	Region      string    `json:"region"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	State       NeedState `json:"state"`
	// In is the money paid in and kept, Out the money delivered.
	In           int64  `json:"in"`
	Out          int64  `json:"out"`
	Remaining    int64  `json:"remaining"`
	DeliveryNote string `json:"delivery_note,omitempty"`
	// DeliveryPhoto is set when a photo proves the delivery; it is read
	// at GET /api/v1/needs/{id}/photo.
	DeliveryPhoto bool      `json:"delivery_photo,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// Public returns the need as the public sees it.
func (n *Need) Public() *PublicNeed {
	return &PublicNeed{ID: n.ID, Kind: n.Kind, Region: n.Region, Title: n.Title, Description: n.Description,
		Amount: n.Amount, Currency: n.Currency, State: n.State, In: n.Raised, Out: n.Delivered,
		Remaining: n.Remaining(), DeliveryNote: n.DeliveryNote, DeliveryPhoto: n.DeliveryPhoto != "", CreatedAt: n.CreatedAt}
}

// NeedFilter selects needs; an empty State means every state.
type NeedFilter struct {
	State  NeedState
	Prefix string
	Offset int
	Limit  int
}
