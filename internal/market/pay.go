package market

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// Pay starts paying a placed order for its buyer and returns the payment,
// whose CheckoutURL is where the buyer pays. A second call answers the same
// open payment.
func (s *Service) Pay(ctx context.Context, orderID string) (*Payment, error) {
	a, err := signedIn(ctx, "pay")
	if err != nil {
		return nil, err
	}
	o, err := s.store.FindOrder(ctx, orderID)
	if err != nil {
		return nil, err
	}
	if o.BuyerID != a.UserID {
		return nil, tide.NotFound("order")
	}
	if o.State != Placed {
		return nil, &tide.Error{Code: tide.ECONFLICT, Field: "state", Message: fmt.Sprintf("a %s order cannot be paid", o.State)}
	}
	if s.Payments == nil {
		return nil, tide.Errorf(tide.ECONFLICT, "payments are not available on this server")
	}
	ps, err := s.store.FindPayments(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("find payments of order %s: %w", orderID, err)
	}
	for _, p := range ps {
		if p.State == PaymentOpen && p.Provider == s.Payments.Name() {
			return p, nil
		}
	}
	now := s.Now().UTC()
	p := &Payment{ID: NewID(), OrderID: orderID, Provider: s.Payments.Name(), State: PaymentOpen,
		Amount: o.Total, Currency: o.Currency, CreatedAt: now, UpdatedAt: now}
	if p.CheckoutURL, err = s.Payments.Checkout(ctx, p); err != nil {
		return nil, fmt.Errorf("open a %s checkout for order %s: %w", p.Provider, orderID, err)
	}
	c := audit.Change{Actor: a.Name, Action: "create", Entity: "payment", EntityID: p.ID, After: p}
	if err := s.store.CreatePayment(ctx, p, c); err != nil {
		return nil, err
	}
	return p, nil
}

// PaymentCallback takes a provider's report of a payment. The signature is
// the authentication: a forged or stale callback is EUNAUTHORIZED and writes
// nothing. A payment that succeeded marks its order paid, once however often
// the provider repeats itself; one that arrives for an order no longer
// waiting (it expired, or another payment paid it) is refunded. A declined
// payment leaves the order placed, to be paid again.
func (s *Service) PaymentCallback(ctx context.Context, provider string, h http.Header, body []byte) error {
	if s.Payments == nil || provider != s.Payments.Name() {
		return tide.NotFound("payment provider")
	}
	ev, err := s.Payments.Verify(h, body)
	if err != nil {
		return err
	}
	p, err := s.store.FindPayment(ctx, ev.PaymentID)
	if tide.ErrorCode(err) == tide.ENOTFOUND {
		return tide.Invalid("payment", "payment %s does not exist", ev.PaymentID)
	} else if err != nil {
		return err
	}
	if p.Provider != provider {
		return tide.Invalid("payment", "payment %s is not a %s payment", p.ID, provider)
	}
	actor := "payment:" + provider
	switch ev.Status {
	case PaymentSucceeded:
		if ev.Amount != p.Amount || ev.Currency != p.Currency {
			return tide.Invalid("amount", "the callback reports %d %s, the payment is for %d %s", ev.Amount, ev.Currency, p.Amount, p.Currency)
		}
		return s.paid(ctx, actor, p)
	case PaymentDeclined:
		if p.State != PaymentOpen {
			return nil
		}
		c := audit.Change{Actor: actor, Action: "status", Entity: "payment", EntityID: p.ID,
			Before: map[string]any{"state": p.State}, After: map[string]any{"state": PaymentFailed}}
		err := s.store.SetPaymentState(ctx, p.ID, PaymentOpen, PaymentFailed, c)
		if tide.ErrorCode(err) == tide.ECONFLICT {
			return nil // settled meanwhile by another callback
		}
		return err
	}
	return tide.Invalid("status", "unknown payment status %q", ev.Status)
}

// paid settles a payment the provider reports as paid.
func (s *Service) paid(ctx context.Context, actor string, p *Payment) error {
	if p.State == PaymentPaid || p.State == PaymentRefunded {
		return nil
	}
	o, err := s.store.FindOrder(ctx, p.OrderID)
	if err != nil {
		return fmt.Errorf("find the order of payment %s: %w", p.ID, err)
	}
	if o.State == Placed {
		t := &Transition{OrderID: o.ID, From: Placed, To: Paid, Payment: p.ID, PaymentFrom: p.State, PaymentTo: PaymentPaid, At: s.Now().UTC()}
		c := audit.Change{Actor: actor, Action: "pay", Entity: "order", EntityID: o.ID,
			Before: map[string]any{"state": Placed}, After: map[string]any{"state": Paid, "payment": p.ID}}
		err := s.store.MoveOrder(ctx, t, c)
		if tide.ErrorCode(err) != tide.ECONFLICT {
			return err
		}
		// The order or the payment moved meanwhile: read them again.
		if p, err = s.store.FindPayment(ctx, p.ID); err != nil || p.State == PaymentPaid || p.State == PaymentRefunded {
			return err
		}
	}
	// Money came in for an order that no longer waits for it: record it
	// and give it back.
	c := audit.Change{Actor: actor, Action: "status", Entity: "payment", EntityID: p.ID,
		Before: map[string]any{"state": p.State}, After: map[string]any{"state": PaymentPaid, "order": "not waiting"}}
	if err := s.store.SetPaymentState(ctx, p.ID, p.State, PaymentPaid, c); err != nil {
		if tide.ErrorCode(err) == tide.ECONFLICT {
			return nil
		}
		return err
	}
	p.State = PaymentPaid
	return s.refund(ctx, actor, p)
}

// refundPayment gives back every paid payment of an order.
func (s *Service) refundPayment(ctx context.Context, a *tide.Actor, o *Order) error {
	ps, err := s.store.FindPayments(ctx, o.ID)
	if err != nil {
		return fmt.Errorf("find payments of order %s: %w", o.ID, err)
	}
	var errs []error
	for _, p := range ps {
		if p.State == PaymentPaid {
			errs = append(errs, s.refund(ctx, a.Name, p))
		}
	}
	return errors.Join(errs...)
}

// refund returns a paid payment's money through its provider and records it.
func (s *Service) refund(ctx context.Context, actor string, p *Payment) error {
	if s.Payments == nil || p.Provider != s.Payments.Name() {
		return fmt.Errorf("refund payment %s: provider %s is not available", p.ID, p.Provider)
	}
	if err := s.Payments.Refund(ctx, p); err != nil {
		return fmt.Errorf("refund payment %s through %s: %w", p.ID, p.Provider, err)
	}
	c := audit.Change{Actor: actor, Action: "refund", Entity: "payment", EntityID: p.ID,
		Before: map[string]any{"state": PaymentPaid}, After: map[string]any{"state": PaymentRefunded}}
	if err := s.store.SetPaymentState(ctx, p.ID, PaymentPaid, PaymentRefunded, c); err != nil {
		return fmt.Errorf("record the refund of payment %s: %w", p.ID, err)
	}
	p.State = PaymentRefunded
	return nil
}
