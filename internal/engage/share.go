package engage

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/tide-project/tide/internal/tide"
)

// Item is the kind of thing a person likes or shares.
type Item string

// The items the public likes and shares: a live room is shared only.
const (
	ItemRoom    Item = "room"
	ItemProduct Item = "product"
	ItemNeed    Item = "need"
)

// Share is a person's link to a live room, a product or a need. Visits
// counts the people who opened it, and Purchases the orders placed by those
// who came through it.
type Share struct {
	Code      string    `json:"code"`
	Kind      Item      `json:"kind"`
	ItemID    string    `json:"id"`
	UserID    int64     `json:"-"`
	Visits    int64     `json:"visits"`
	Purchases int64     `json:"purchases"`
	CreatedAt time.Time `json:"created_at"`
	// Room is, for a shared product, a live room selling it, if any.
	Room string `json:"-"`
}

// ShareStore keeps likes and shares.
type ShareStore interface {
	// Like records the like once; a repeat changes nothing. ENOTFOUND when
	// the item does not exist.
	Like(ctx context.Context, kind Item, id string, userID int64, at time.Time) error
	Unlike(ctx context.Context, kind Item, id string, userID int64) error
	// CountLikes answers how many people like the item and whether userID
	// is one of them.
	CountLikes(ctx context.Context, kind Item, id string, userID int64) (int64, bool, error)
	// CreateShare stores a share; ENOTFOUND when its item does not exist.
	CreateShare(ctx context.Context, sh *Share) error
	// VisitShare counts a visit, unless visitor made the share, and returns
	// the share with its room; ENOTFOUND for an unknown code.
	VisitShare(ctx context.Context, code string, visitor int64) (*Share, error)
	// FindShares returns a person's shares, newest first, with their counts.
	FindShares(ctx context.Context, userID int64, limit int) ([]*Share, error)
	// AttributeOrder records that an order came through a share, once, and
	// not when buyer made the share.
	AttributeOrder(ctx context.Context, orderID, code string, buyer int64, at time.Time) error
}

// MaxShareCode bounds the codes accepted from links and cookies.
const MaxShareCode = 32

// Likes is how many people like an item, and whether the caller does.
type Likes struct {
	Count int64 `json:"count"`
	Mine  bool  `json:"mine"`
}

func likeable(kind Item) error {
	if kind != ItemProduct && kind != ItemNeed {
		return tide.Invalid("kind", "kind must be product or need")
	}
	return nil
}

// Like records the caller's like of a product or a need; liking again is
// no error and counts once.
func (s *Service) Like(ctx context.Context, kind Item, id string) (*Likes, error) {
	return s.like(ctx, kind, id, true)
}

// Unlike takes the caller's like back; one never made is no error.
func (s *Service) Unlike(ctx context.Context, kind Item, id string) (*Likes, error) {
	return s.like(ctx, kind, id, false)
}

func (s *Service) like(ctx context.Context, kind Item, id string, on bool) (*Likes, error) {
	a, err := signedIn(ctx, "like")
	if err != nil {
		return nil, err
	}
	if err := likeable(kind); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, tide.Invalid("id", "id is required")
	}
	if on {
		err = s.store.Like(ctx, kind, id, a.UserID, s.Now().UTC())
	} else {
		err = s.store.Unlike(ctx, kind, id, a.UserID)
	}
	if err != nil {
		return nil, err
	}
	return s.CountLikes(ctx, kind, id)
}

// LikeRoom records that the caller liked a live room, once however often
// they tap. The taps themselves are summed by the live hub; this is the
// person's part in the measure of participation.
func (s *Service) LikeRoom(ctx context.Context, room string) error {
	a, err := signedIn(ctx, "like")
	if err != nil {
		return err
	}
	if room == "" {
		return tide.Invalid("room", "room is required")
	}
	return s.store.Like(ctx, ItemRoom, room, a.UserID, s.Now().UTC())
}

// CountLikes answers how many people like an item, and whether the caller,
// if signed in, is one of them.
func (s *Service) CountLikes(ctx context.Context, kind Item, id string) (*Likes, error) {
	if err := likeable(kind); err != nil {
		return nil, err
	}
	var uid int64
	if a := tide.ActorFrom(ctx); a != nil {
		uid = a.UserID
	}
	n, mine, err := s.store.CountLikes(ctx, kind, id, uid)
	if err != nil {
		return nil, err
	}
	return &Likes{Count: n, Mine: mine}, nil
}

// CreateShare makes the caller's link to a live room, a product or a need.
func (s *Service) CreateShare(ctx context.Context, kind Item, id string) (*Share, error) {
	a, err := signedIn(ctx, "share")
	if err != nil {
		return nil, err
	}
	if kind != ItemRoom && kind != ItemProduct && kind != ItemNeed {
		return nil, tide.Invalid("kind", "kind must be room, product or need")
	}
	if id == "" {
		return nil, tide.Invalid("id", "id is required")
	}
	sh := &Share{Code: strings.ToLower(rand.Text()[:10]), Kind: kind, ItemID: id, UserID: a.UserID, CreatedAt: s.Now().UTC()}
	if err := s.store.CreateShare(ctx, sh); err != nil {
		return nil, err
	}
	return sh, nil
}

// Shares lists the caller's own shares with their visits and purchases.
func (s *Service) Shares(ctx context.Context) ([]*Share, error) {
	a, err := signedIn(ctx, "see your shares")
	if err != nil {
		return nil, err
	}
	return s.store.FindShares(ctx, a.UserID, 200)
}

// VisitShare counts someone opening a share's link; links are public. The
// sharer opening their own link is not counted.
func (s *Service) VisitShare(ctx context.Context, code string) (*Share, error) {
	if code == "" || len(code) > MaxShareCode {
		return nil, tide.NotFound("share")
	}
	return s.store.VisitShare(ctx, code, callerID(ctx))
}

// AttributeOrder credits a share with an order placed by the caller, who
// came through it; a sharer buying through their own link is not
// attributed, so a share cannot earn its maker credit alone.
func (s *Service) AttributeOrder(ctx context.Context, orderID, code string) error {
	if code == "" || len(code) > MaxShareCode {
		return tide.NotFound("share")
	}
	return s.store.AttributeOrder(ctx, orderID, code, callerID(ctx), s.Now().UTC())
}

// callerID is the signed-in caller's user ID, or 0.
func callerID(ctx context.Context) int64 {
	if a := tide.ActorFrom(ctx); a != nil {
		return a.UserID
	}
	return 0
}
