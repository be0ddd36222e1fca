package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// demoNeed is one need of the demo and how far it has come.
type demoNeed struct {
	kind          engage.Kind
	title, detail string
	amount        int64
	stage         engage.NeedState
}

var demoNeeds = []demoNeed{
	{engage.ForSchool, "School bags for Grade 1", "Forty children start school in September without a bag.", 4_000_00, engage.NeedApproved},
	{engage.ForVillage, "Seedlings for the tea terraces", "Replanting three hectares lost to last spring's frost.", 12_000_00, engage.NeedApproved},
	{engage.ForVillage, "Water pump for the upper hamlet", "The old pump failed; water is carried 2 km.", 6_500_00, engage.NeedFunded},
	{engage.ForSchool, "Winter coats for boarding pupils", "Sixty coats for children who board during the week.", 9_000_00, engage.NeedDelivered},
	{engage.ForVillage, "Roof repair for the village clinic", "Leaks over the consulting room.", 8_000_00, engage.NeedPending},
	{engage.ForSchool, "Desks for the new classroom", "Cancelled: the county's budget covered them.", 3_000_00, engage.NeedCancelled},
}

// publicUsers is how many members of the public the demo invents.
const publicUsers = 40

// makeEngage posts needs at every stage in the first county, and invents
// members of the public who bought, gave and liked, so that the needs and
// participation pages show something true to life.
func makeEngage(ctx context.Context, rng *rand.Rand, svc Services, p *Province) error {
	if svc.Engage == nil || svc.Market == nil {
		return nil
	}
	sandbox, ok := svc.Market.Payments.(*market.Sandbox)
	if !ok {
		return nil
	}
	var people []*tide.Actor
	for i := range publicUsers {
		home := p.Villages[rng.IntN(len(p.Villages))].Code
		if rng.IntN(5) == 0 {
			home = "" // not everyone says where they live
		}
		u, err := svc.Users.Create(ctx, user.NewUser{Name: fmt.Sprintf("fan%02d", i+1), DisplayName: fmt.Sprintf("Fan %d", i+1),
			Password: p.Password, Roles: []tide.Role{tide.RolePublic}, HomeRegion: home})
		if err != nil {
			return fmt.Errorf("public user: %w", err)
		}
		if i%3 == 0 { // a third are named on donor lists; the rest stay anonymous
			if _, err := svc.Users.SetPrivacy(tide.WithActor(ctx, u.Actor()), user.Privacy{ShowName: true}); err != nil {
				return fmt.Errorf("public user's privacy: %w", err)
			}
		}
		people = append(people, u.Actor())
	}
	county := p.Counties[0].Code
	var needs []*engage.Need
	for i, dn := range demoNeeds {
		village := county + fmt.Sprintf("%03d%03d", 1+i%3, 1+i)
		n := &engage.Need{Kind: dn.kind, Region: village, Title: dn.title, Description: dn.detail, Amount: dn.amount, Currency: "CNY"}
		if err := svc.Engage.CreateNeed(ctx, n); err != nil {
			return fmt.Errorf("need %q: %w", dn.title, err)
		}
		if dn.stage != engage.NeedPending {
			if _, err := svc.Engage.ApproveNeed(ctx, n.ID); err != nil {
				return err
			}
		}
		needs = append(needs, n)
	}
	give := func(who *tide.Actor, n *engage.Need, amount int64) error {
		d, err := svc.Engage.Donate(tide.WithActor(ctx, who), n.ID, amount)
		if err != nil {
			return fmt.Errorf("donate to %q: %w", n.Title, err)
		}
		h, body := sandbox.Sign(market.PaymentEvent{PaymentID: d.ID, Status: market.PaymentSucceeded, Amount: d.Amount, Currency: d.Currency})
		return svc.Engage.DonationCallback(ctx, sandbox.Name(), h, body)
	}
	for i, dn := range demoNeeds {
		n := needs[i]
		if dn.stage == engage.NeedPending {
			continue
		}
		// Funded and delivered needs are given in full; open ones in part.
		left := n.Amount
		if dn.stage == engage.NeedApproved || dn.stage == engage.NeedCancelled {
			left = n.Amount * int64(20+rng.IntN(50)) / 100
		}
		for left > 0 {
			amount := min(left, int64(50_00+rng.IntN(20)*50_00))
			if err := give(people[rng.IntN(len(people))], n, amount); err != nil {
				return err
			}
			left -= amount
		}
		switch dn.stage {
		case engage.NeedDelivered:
			if _, err := svc.Engage.DeliverNeed(ctx, n.ID, engage.Proof{
				Note:  "Coats handed to 60 pupils at the school gate; list signed by the head teacher.",
				Photo: bytes.NewReader(proofPhoto())}); err != nil {
				return err
			}
		case engage.NeedCancelled:
			if _, err := svc.Engage.CancelNeed(ctx, n.ID); err != nil {
				return err
			}
		}
	}
	for _, who := range people {
		if rng.IntN(3) == 0 {
			n := needs[rng.IntN(2)]
			if _, err := svc.Engage.Like(tide.WithActor(ctx, who), engage.ItemNeed, n.ID); err != nil {
				return fmt.Errorf("like: %w", err)
			}
		}
		if p.LiveRoom != nil && rng.IntN(4) == 0 {
			r := market.OrderRequest{Room: p.LiveRoom.ID, Product: p.LiveRoom.Products[rng.IntN(len(p.LiveRoom.Products))], Quantity: 1}
			o, err := svc.Market.PlaceOrder(tide.WithActor(ctx, who), r)
			if err != nil {
				return fmt.Errorf("demo order: %w", err)
			}
			if err := fulfil(ctx, rng, svc.Market, sandbox, who, o.ID); err != nil {
				return fmt.Errorf("demo order %s: %w", o.ID, err)
			}
		}
	}
	if svc.Out != nil {
		fmt.Fprintf(svc.Out, "Needs: %d at every stage; %d members of the public who buy, give and like (fan01 … fan%02d)\n", len(needs), publicUsers, publicUsers)
	}
	return nil
}

// fulfil takes a demo order along the way real ones go, stopping at a random
// step: most are paid, most of those shipped, and most of those delivered,
// which credits the sale to the seller's households in the registry.
func fulfil(ctx context.Context, rng *rand.Rand, m *market.Service, sandbox *market.Sandbox, buyer *tide.Actor, orderID string) error {
	if rng.IntN(5) == 0 {
		return nil // left unpaid
	}
	pay, err := m.Pay(tide.WithActor(ctx, buyer), orderID)
	if err != nil {
		return err
	}
	h, body := sandbox.Sign(market.PaymentEvent{PaymentID: pay.ID, Status: market.PaymentSucceeded, Amount: pay.Amount, Currency: pay.Currency})
	if err := m.PaymentCallback(ctx, sandbox.Name(), h, body); err != nil {
		return err
	}
	if rng.IntN(5) == 0 {
		return nil // paid, waiting to ship
	}
	if _, err := m.Ship(ctx, orderID, fmt.Sprintf("SF%010d", rng.IntN(1e10))); err != nil {
		return err
	}
	if rng.IntN(4) == 0 {
		return nil // on its way
	}
	_, err = m.Deliver(ctx, orderID)
	return err
}

// proofPhoto draws the demo's photo of a delivery: a pile of coats is
// beyond it, so it is a plain picture of stripes in the coats' colours.
func proofPhoto() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	colours := []color.RGBA{{0x1d, 0x4e, 0x89, 0xff}, {0xc0, 0x39, 0x2b, 0xff}, {0x27, 0xae, 0x60, 0xff}}
	for y := range 120 {
		for x := range 160 {
			img.Set(x, y, colours[(x/20+y/30)%len(colours)])
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img) // writing to memory does not fail
	return b.Bytes()
}
