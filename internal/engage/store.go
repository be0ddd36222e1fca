package engage

import (
	"context"

	"github.com/tide-project/tide/internal/audit"
)

// Store persists needs, donations, the ledger, likes and shares. Every write appends its
// audit change in the same transaction, and a move that carries a posting
// writes it in that transaction too, so a state and its money never part.
type Store interface {
	ShareStore

	// CreateNeed checks that the region exists and, for a household need,
	// that the household lies in it, naming the field at fault.
	CreateNeed(ctx context.Context, n *Need, c audit.Change) error
	// FindNeed returns the need with id, or ENOTFOUND.
	FindNeed(ctx context.Context, id string) (*Need, error)
	FindNeeds(ctx context.Context, f NeedFilter) ([]*Need, int, error)
	// MoveNeed makes a need's move; ECONFLICT, and nothing written, when
	// the need is no longer in m.From.
	MoveNeed(ctx context.Context, m *NeedMove, c audit.Change) error

	CreateDonation(ctx context.Context, d *Donation, c audit.Change) error
	// FindDonation returns the donation with id, or ENOTFOUND.
	FindDonation(ctx context.Context, id string) (*Donation, error)
	// FindDonations returns donations newest first.
	FindDonations(ctx context.Context, f DonationFilter) ([]*Donation, int, error)
	// FindDonors returns a need's paid donations, newest first, each with
	// its donor's display name only when the donor shows their name.
	FindDonors(ctx context.Context, needID string, limit int) ([]Donor, error)
	// SettleDonation makes a donation's move; ECONFLICT, and nothing
	// written, when the donation is no longer in s.From or, with s.Accept,
	// when the need no longer takes s.Raise.
	SettleDonation(ctx context.Context, s *Settlement, c audit.Change) error

	// VerifyLedger sums every transaction and every account.
	VerifyLedger(ctx context.Context) (*LedgerReport, error)
}

// NeedMove is one move of a need through its states, with what moves with
// it.
type NeedMove struct {
	ID       string
	From, To NeedState
	// Note, when set, is stored as the delivery note, and Photo and
	// PhotoType as the delivery photo.
	Note, Photo, PhotoType string
	// Delivered is added to the need's delivered money.
	Delivered int64
	// Posting, when set, is written with the move.
	Posting *Posting
}

// Settlement is one move of a donation, with the change to its need's
// raised money and the posting that records it.
type Settlement struct {
	DonationID string
	From, To   DonationState
	NeedID     string
	// Raise is added to the need's raised money (negative on a refund).
	Raise int64
	// Accept requires the need to be approved and to want Raise still; a
	// need it fills is marked funded.
	Accept  bool
	Posting *Posting
}
