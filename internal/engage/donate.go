package engage

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// Donate opens a signed-in person's donation of amount to an approved need
// and returns it, with the address the donor pays at. The amount is 1 to
// what the need still wants.
func (s *Service) Donate(ctx context.Context, needID string, amount int64) (*Donation, error) {
	a, err := signedIn(ctx, "donate")
	if err != nil {
		return nil, err
	}
	n, err := s.store.FindNeed(ctx, needID)
	if err != nil {
		return nil, err
	}
	if n.State == NeedPending || n.State == NeedCancelled {
		return nil, tide.NotFound("need")
	}
	if n.State != NeedApproved {
		return nil, stateConflict(n, "given to")
	}
	if amount < 1 || amount > n.Remaining() {
		return nil, tide.Invalid("amount", "amount must be 1 to %d minor units", n.Remaining())
	}
	if s.Payments == nil {
		return nil, tide.Errorf(tide.ECONFLICT, "payments are not available on this server")
	}
	now := s.Now().UTC()
	d := &Donation{ID: market.NewID(), NeedID: n.ID, DonorID: a.UserID, Amount: amount, Currency: n.Currency,
		Provider: s.Payments.Name(), State: market.PaymentOpen, CreatedAt: now, UpdatedAt: now}
	if d.CheckoutURL, err = s.Payments.Checkout(ctx, d.payment()); err != nil {
		return nil, fmt.Errorf("open a %s checkout for a donation to need %s: %w", d.Provider, n.ID, err)
	}
	c := audit.Change{Actor: a.Name, Action: "create", Entity: "donation", EntityID: d.ID, After: d}
	if err := s.store.CreateDonation(ctx, d, c); err != nil {
		return nil, err
	}
	return d, nil
}

// Donations lists the caller's own donations, newest first.
func (s *Service) Donations(ctx context.Context, f DonationFilter) ([]*Donation, int, error) {
	a, err := signedIn(ctx, "see your donations")
	if err != nil {
		return nil, 0, err
	}
	f.DonorID, f.NeedID = a.UserID, ""
	return s.store.FindDonations(ctx, f)
}

// DonationCallback takes a provider's report of a donation's payment. The
// signature is the authentication: a forged or stale callback is
// EUNAUTHORIZED and writes nothing. A paid donation moves its money from the
// donor through escrow to the need once, however often the provider repeats
// itself; money for a need that no longer takes it is given back.
func (s *Service) DonationCallback(ctx context.Context, provider string, h http.Header, body []byte) error {
	if s.Payments == nil || provider != s.Payments.Name() {
		return tide.NotFound("payment provider")
	}
	ev, err := s.Payments.Verify(h, body)
	if err != nil {
		return err
	}
	d, err := s.store.FindDonation(ctx, ev.PaymentID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return tide.Invalid("payment", "donation %s does not exist", ev.PaymentID)
	} else if err != nil {
		return err
	}
	if d.Provider != provider {
		return tide.Invalid("payment", "donation %s is not a %s payment", d.ID, provider)
	}
	actor := "payment:" + provider
	switch ev.Status {
	case market.PaymentSucceeded:
		if ev.Amount != d.Amount || ev.Currency != d.Currency {
			return tide.Invalid("amount", "the callback reports %d %s, the donation is %d %s", ev.Amount, ev.Currency, d.Amount, d.Currency)
		}
		return s.paid(ctx, actor, d)
	case market.PaymentDeclined:
		if d.State != market.PaymentOpen {
			return nil
		}
		return settled(s.settle(ctx, actor, "decline", d, &Settlement{From: market.PaymentOpen, To: market.PaymentFailed}))
	}
	return tide.Invalid("status", "unknown payment status %q", ev.Status)
}

// paid settles a donation its provider reports paid.
func (s *Service) paid(ctx context.Context, actor string, d *Donation) error {
	if d.State != market.PaymentOpen {
		return nil // reported before
	}
	donor, need := DonorAccount(d.DonorID), NeedAccount(d.NeedID)
	err := s.settle(ctx, actor, "pay", d, &Settlement{From: market.PaymentOpen, To: market.PaymentPaid,
		Raise: d.Amount, Accept: true, Posting: transfer("paid:"+d.ID, d.Currency, d.Amount, donor, Escrow, need)})
	if tide.ErrorCode(err) != tide.ECONFLICT {
		return err
	}
	if now, err := s.store.FindDonation(ctx, d.ID); err != nil || now.State != market.PaymentOpen {
		return err // settled meanwhile by another callback
	}
	// The need no longer takes the money: it came in and goes straight
	// back through escrow.
	if err := s.Payments.Refund(ctx, d.payment()); err != nil {
		return fmt.Errorf("refund donation %s through %s: %w", d.ID, d.Provider, err)
	}
	return settled(s.settle(ctx, actor, "return", d, &Settlement{From: market.PaymentOpen, To: market.PaymentRefunded,
		Posting: transfer("returned:"+d.ID, d.Currency, d.Amount, donor, Escrow, donor)}))
}

// refundAll gives back every paid donation of a cancelled need, moving its
// money from the need through escrow to the donor.
func (s *Service) refundAll(ctx context.Context, actor string, n *Need) error {
	ds, _, err := s.store.FindDonations(ctx, DonationFilter{NeedID: n.ID, State: market.PaymentPaid})
	if err != nil {
		return fmt.Errorf("find paid donations of need %s: %w", n.ID, err)
	}
	var errs []error
	for _, d := range ds {
		if err := s.Payments.Refund(ctx, d.payment()); err != nil {
			errs = append(errs, fmt.Errorf("refund donation %s through %s: %w", d.ID, d.Provider, err))
			continue
		}
		errs = append(errs, settled(s.settle(ctx, actor, "refund", d, &Settlement{From: market.PaymentPaid, To: market.PaymentRefunded,
			Raise: -d.Amount, Posting: transfer("refund:"+d.ID, d.Currency, d.Amount, NeedAccount(n.ID), Escrow, DonorAccount(d.DonorID))})))
	}
	return errors.Join(errs...)
}

func (s *Service) settle(ctx context.Context, actor, action string, d *Donation, st *Settlement) error {
	st.DonationID, st.NeedID = d.ID, d.NeedID
	if st.Posting != nil {
		if err := st.Posting.Validate(); err != nil {
			return fmt.Errorf("%s donation %s: %w", action, d.ID, err)
		}
	}
	c := audit.Change{Actor: actor, Action: action, Entity: "donation", EntityID: d.ID,
		Before: map[string]any{"state": st.From}, After: map[string]any{"state": st.To, "need": d.NeedID}}
	return s.store.SettleDonation(ctx, st, c)
}

// settled treats a conflict as done: another callback moved the donation.
func settled(err error) error {
	if tide.ErrorCode(err) == tide.ECONFLICT {
		return nil
	}
	return err
}
