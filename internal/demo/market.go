package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/registry"
)

// demoProduct is one product a demo seller offers.
type demoProduct struct {
	name, description, unit string
	price, stock, limit     int64
}

var (
	orchardProducts = []demoProduct{
		{"Mountain honey", "Raw honey from hives on the terraces above the village, 500 g jar.", "jar", 68_00, 400, 5},
		{"Dried shiitake", "Log-grown shiitake, sun-dried, 250 g bag.", "bag", 35_00, 600, 0},
	}
	teaProducts = []demoProduct{
		{"Spring green tea", "First flush, picked by hand by the cooperative's members, 250 g tin.", "tin", 120_00, 300, 3},
		{"Kiwi fruit", "Red-heart kiwi, 5 kg box, shipped within two days of picking.", "box", 89_00, 500, 0},
	}
)

// makeMarket registers two approved sellers in seller1's area — one
// household and one cooperative of three households — with products, and one
// live room that is live when the demo starts.
func makeMarket(ctx context.Context, _ *rand.Rand, svc Services, p *Province) error {
	if svc.Market == nil {
		return nil
	}
	township := p.Counties[0].Code + "001"
	village := township + "001"
	hs, _, err := svc.Registry.List(ctx, registry.Filter{Prefix: township, Limit: 20})
	if err != nil {
		return err
	}
	var own, others []*registry.Household
	for _, h := range hs {
		if h.Village == village && own == nil {
			own = append(own, h)
		} else if len(others) < 3 {
			others = append(others, h)
		}
	}
	if len(own) == 0 || len(others) < 3 {
		return fmt.Errorf("the township %s has too few households for the demo sellers", township)
	}
	sellerID := p.UserIDs["seller1"]
	orchard := &market.Seller{Name: familyName(own[0]) + "家山地果园", Kind: market.KindHousehold, Region: village,
		Household: own[0].Ref, UserID: sellerID}
	coop := &market.Seller{Name: "青山茶叶合作社 Green Hills Tea Cooperative", Kind: market.KindCooperative, Region: township, UserID: sellerID,
		Members: []market.Member{{Household: others[0].Ref, Share: 5000}, {Household: others[1].Ref, Share: 3000},
			{Household: others[2].Ref, Share: 2000}}}
	var room []string
	for i, s := range []*market.Seller{orchard, coop} {
		if err := svc.Market.CreateSeller(ctx, s); err != nil {
			return fmt.Errorf("seller %s: %w", s.Name, err)
		}
		if _, err := svc.Market.ApproveSeller(ctx, s.ID); err != nil {
			return fmt.Errorf("approve seller %s: %w", s.Name, err)
		}
		p.Sellers = append(p.Sellers, s)
		list := orchardProducts
		if i == 1 {
			list = teaProducts
		}
		for _, dp := range list {
			pr := &market.Product{SellerID: s.ID, Name: dp.name, Description: dp.description, Unit: dp.unit, Price: dp.price,
				Currency: "CNY", Stock: dp.stock, BuyerLimit: dp.limit, Origin: s.Region, OnSale: true}
			if err := svc.Market.CreateProduct(ctx, pr); err != nil {
				return fmt.Errorf("product %s: %w", dp.name, err)
			}
			p.Products = append(p.Products, pr)
			if i == 1 {
				room = append(room, pr.ID)
			}
		}
	}
	r := &market.Room{SellerID: coop.ID, Title: "Harvest live: spring tea and kiwi from Green Hills", Products: room}
	if err := svc.Market.CreateRoom(ctx, r); err != nil {
		return fmt.Errorf("live room: %w", err)
	}
	if _, err := svc.Market.SetRoomStatus(ctx, r.ID, market.RoomLive); err != nil {
		return fmt.Errorf("open the live room: %w", err)
	}
	p.LiveRoom = r
	later := &market.Room{SellerID: orchard.ID, Title: "Honey harvest on the terraces", Products: []string{p.Products[0].ID, p.Products[1].ID}}
	later.StartsAt = svc.Registry.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2).Add(10 * time.Hour)
	if err := svc.Market.CreateRoom(ctx, later); err != nil {
		return fmt.Errorf("scheduled room: %w", err)
	}
	if svc.Out != nil {
		fmt.Fprintf(svc.Out, "Market: %d sellers, %d products; live room /rooms/%s\n", len(p.Sellers), len(p.Products), r.ID)
	}
	return nil
}

// familyName is the head's surname, by which a family's farm is known in
// its village.
func familyName(h *registry.Household) string {
	name := h.Members[0].Name
	for _, m := range h.Members {
		if m.Relation == "head" {
			name = m.Name
		}
	}
	if r := []rune(name); len(r) > 0 {
		return string(r[:1])
	}
	return name
}
