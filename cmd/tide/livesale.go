package main

import (
	"context"
	"fmt"
	"time"

	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/region"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
	"github.com/tide-project/tide/internal/user"
)

// liveSale is a cooperative with one product on sale in a live room, and
// buyers holding API tokens: what `tide bench livesale` and the sale tests
// drive.
type liveSale struct {
	Room, Product string
	Stock         int64
	Tokens        []string
}

// prepareLiveSale fills an empty database with a live sale of stock units,
// at most limit to a buyer (0: no limit), and buyers who may buy it. The
// buyers have no password; they sign in with their tokens.
func prepareLiveSale(ctx context.Context, db *sqlstore.DB, buyers int, stock, limit int64) (*liveSale, error) {
	ctx = tide.WithActor(ctx, tide.System)
	rs := []*region.Region{
		{Code: "52", Name: "Guizhou", Level: region.Province},
		{Code: "5226", Name: "Qiandongnan", Level: region.Prefecture, Parent: "52"},
		{Code: "522601", Name: "Kaili", Level: region.County, Parent: "5226"},
		{Code: "522601100", Name: "Sankeshu", Level: region.Township, Parent: "522601"},
		{Code: "522601100201", Name: "Nanhua", Level: region.Village, Parent: "522601100"},
	}
	if err := db.CreateRegions(ctx, rs, nil); err != nil {
		return nil, fmt.Errorf("create regions: %w", err)
	}
	svc := market.NewService(db, market.NewEngine(db, market.EngineConfig{}))
	seller := &market.Seller{Name: "Nanhua Miao co-op", Kind: market.KindCooperative, Region: "522601"}
	if err := svc.CreateSeller(ctx, seller); err != nil {
		return nil, fmt.Errorf("create seller: %w", err)
	}
	if _, err := svc.ApproveSeller(ctx, seller.ID); err != nil {
		return nil, fmt.Errorf("approve seller: %w", err)
	}
	p := &market.Product{SellerID: seller.ID, Name: "Sour soup base", Unit: "jar", Price: 2800, Currency: "CNY",
		Stock: stock, BuyerLimit: limit, Origin: "522601100201", OnSale: true}
	if err := svc.CreateProduct(ctx, p); err != nil {
		return nil, fmt.Errorf("create product: %w", err)
	}
	room := &market.Room{SellerID: seller.ID, Title: "Harvest night", Products: []string{p.ID}}
	if err := svc.CreateRoom(ctx, room); err != nil {
		return nil, fmt.Errorf("create room: %w", err)
	}
	if _, err := svc.SetRoomStatus(ctx, room.ID, market.RoomLive); err != nil {
		return nil, fmt.Errorf("open room: %w", err)
	}
	s := &liveSale{Room: room.ID, Product: p.ID, Stock: stock, Tokens: make([]string, buyers)}
	users := user.NewService(db)
	for i := range buyers {
		u := &user.User{Name: fmt.Sprintf("buyer%d", i+1), Roles: []tide.Role{tide.RolePublic}, CreatedAt: time.Now().UTC()}
		u.DisplayName = u.Name
		if err := db.CreateUser(ctx, u, audit.Change{Actor: tide.System.Name, Action: "create", Entity: "user", EntityID: u.Name}); err != nil {
			return nil, fmt.Errorf("create %s: %w", u.Name, err)
		}
		var err error
		if s.Tokens[i], err = users.IssueToken(ctx, u.Name, "live sale"); err != nil {
			return nil, fmt.Errorf("token of %s: %w", u.Name, err)
		}
	}
	return s, nil
}
