package market

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/tide"
)

// Bounds on products. MaxPrice keeps price × MaxOrderQuantity far inside an
// int64 of minor units.
const (
	MaxUnitLen = 20
	MaxPrice   = 1_000_000_000_00 // one billion in major units
	MaxStock   = 1_000_000_000
	// MaxDescriptionLen bounds a product's description, in characters.
	MaxDescriptionLen = 2000
	// MaxPhotos bounds the photos of one product.
	MaxPhotos = 10
)

// Product is something a seller offers, with the stock offered in all: the
// units still available are Stock less what committed orders hold.
type Product struct {
	ID       string `json:"id"`
	SellerID string `json:"seller"`
	Name     string `json:"name"`
	// Unit is what one of Quantity is: "kg", "box of 12", "jar".
	Unit string `json:"unit"`
	// Description tells buyers about the produce, in plain text.
	Description string `json:"description"`
	// Photos are the IDs of the product's photos in display order; the
	// service adds and removes them.
	Photos []string `json:"photos"`
	// Price is per unit, in minor units (fen, cents) of Currency.
	Price    int64  `json:"price"`
	Currency string `json:"currency"`
	// Stock is every unit offered so far; a seller restocks by raising it.
	Stock int64 `json:"stock"`
	// BuyerLimit is the most units one buyer may hold; 0 means no limit.
	BuyerLimit int64 `json:"buyer_limit"`
	// Origin is the region code (usually a village) the produce comes from.
	Origin    string    `json:"origin"`
	OnSale    bool      `json:"on_sale"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the product on its own; its seller and origin are checked
// against the store.
func (p *Product) Validate() error {
	p.Name, p.Unit, p.Origin = strings.TrimSpace(p.Name), strings.TrimSpace(p.Unit), strings.TrimSpace(p.Origin)
	p.Description = strings.TrimSpace(p.Description)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	switch {
	case p.SellerID == "":
		return tide.Invalid("seller", "seller is required")
	case p.Name == "":
		return tide.Invalid("name", "name is required")
	case utf8.RuneCountInString(p.Name) > MaxNameLen:
		return tide.Invalid("name", "name is longer than %d characters", MaxNameLen)
	case p.Unit == "":
		return tide.Invalid("unit", "unit is required (kg, box, jar …)")
	case utf8.RuneCountInString(p.Unit) > MaxUnitLen:
		return tide.Invalid("unit", "unit is longer than %d characters", MaxUnitLen)
	case utf8.RuneCountInString(p.Description) > MaxDescriptionLen:
		return tide.Invalid("description", "description is longer than %d characters", MaxDescriptionLen)
	case p.Price <= 0:
		return tide.Invalid("price", "price must be more than zero")
	case p.Price > MaxPrice:
		return tide.Invalid("price", "price must be at most %d minor units", int64(MaxPrice))
	case !currencyCode(p.Currency):
		return tide.Invalid("currency", "currency must be a three-letter ISO 4217 code such as CNY")
	case p.Stock < 0 || p.Stock > MaxStock:
		return tide.Invalid("stock", "stock must be between 0 and %d", MaxStock)
	case p.BuyerLimit < 0 || p.BuyerLimit > MaxStock:
		return tide.Invalid("buyer_limit", "buyer limit must be between 0 (none) and %d", MaxStock)
	case p.Origin == "":
		return tide.Invalid("origin", "origin region is required")
	}
	return nil
}

func currencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// ProductFilter selects products.
type ProductFilter struct {
	SellerID string
	Prefix   string // origin region code prefix; scope is applied on top
	OnSale   *bool
	Offset   int
	Limit    int
}
