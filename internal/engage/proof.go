package engage

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// Proof is what shows a need was delivered: a note of what was handed over,
// and a photo of it. Both are public, so neither should name the household.
type Proof struct {
	Note string
	// Photo is the picture's bytes, JPEG, PNG or WebP, at most
	// market.MaxPhotoBytes.
	Photo io.Reader
}

// DeliverNeed records that what a need asked for was handed over, with its
// proof, and releases its money from the need's account to delivered. The
// photo is kept without its metadata, and only if the delivery is.
func (s *Service) DeliverNeed(ctx context.Context, id string, p Proof) (*Need, error) {
	a, err := signedIn(ctx, "deliver needs")
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(p.Note)
	if note == "" || utf8.RuneCountInString(note) > MaxNote {
		return nil, tide.Invalid("note", "note must have 1 to %d characters", MaxNote)
	}
	if p.Photo == nil {
		return nil, tide.Invalid("photo", "a photo of the delivery is required")
	}
	data, ct, err := market.ReadPhoto(p.Photo)
	if err != nil {
		return nil, err
	}
	// The photo is public: where and when it was taken, which a phone
	// writes into it, could lead to the household.
	if data, err = market.StripMetadata(data, ct); err != nil {
		return nil, err
	}
	n, err := s.needFor(ctx, a, id, posters...)
	if err != nil {
		return nil, err
	}
	if (n.State != NeedApproved && n.State != NeedFunded) || n.Raised == 0 {
		return nil, stateConflict(n, "delivered before money came in")
	}
	photo := market.NewID()
	if err := market.SavePhoto(s.PhotoDir, photo, data); err != nil {
		return nil, fmt.Errorf("deliver need %s: %w", n.ID, err)
	}
	m := &NeedMove{ID: n.ID, From: n.State, To: NeedDelivered, Note: note, Photo: photo, PhotoType: ct, Delivered: n.Raised,
		Posting: transfer("deliver:"+n.ID, n.Currency, n.Raised, NeedAccount(n.ID), Delivered)}
	done, err := s.move(ctx, a, "deliver", n, m)
	if err != nil {
		os.Remove(filepath.Join(s.PhotoDir, photo))
		return nil, err
	}
	return done, nil
}

// OpenDeliveryPhoto opens the photo proving a need's delivery; like the
// need's page, it is public.
func (s *Service) OpenDeliveryPhoto(ctx context.Context, needID string) (io.ReadCloser, string, error) {
	n, err := s.store.FindNeed(ctx, needID)
	if err != nil {
		return nil, "", err
	}
	if n.State != NeedDelivered || n.DeliveryPhoto == "" {
		return nil, "", tide.NotFound("photo")
	}
	f, err := os.Open(filepath.Join(s.PhotoDir, n.DeliveryPhoto))
	if os.IsNotExist(err) {
		return nil, "", tide.NotFound("photo")
	} else if err != nil {
		return nil, "", fmt.Errorf("open the delivery photo of need %s: %w", n.ID, err)
	}
	return f, n.DeliveryPhotoType, nil
}
