package market

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tide-project/tide/internal/atomicfile"
	"github.com/tide-project/tide/internal/audit"
	"github.com/tide-project/tide/internal/tide"
)

// MaxPhotoBytes bounds one photo.
const MaxPhotoBytes = 5 << 20

// Photo is a picture of a product; its bytes are a file named by its ID in
// the service's photo folder.
type Photo struct {
	ID          string    `json:"id"`
	ProductID   string    `json:"product"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
}

// AddPhoto stores a photo of a product and returns its ID. The type is read
// from the bytes, not from a name or header: JPEG, PNG or WebP, and a JPEG
// or PNG must decode. The file is written whole or not at all, and nothing
// is written for a refused photo.
func (s *Service) AddPhoto(ctx context.Context, productID string, r io.Reader) (string, error) {
	a, err := signedIn(ctx, "add photos")
	if err != nil {
		return "", err
	}
	p, err := s.store.FindProduct(ctx, productID)
	if err != nil {
		return "", err
	}
	if _, err := s.sellerFor(ctx, a, p.SellerID, "seller"); err != nil {
		return "", tide.NotFound("product")
	}
	if len(p.Photos) >= MaxPhotos {
		return "", &tide.Error{Code: tide.ECONFLICT, Field: "photo", Message: fmt.Sprintf("a product may have at most %d photos", MaxPhotos)}
	}
	if s.PhotoDir == "" {
		return "", fmt.Errorf("add photo: no photo folder is set")
	}
	data, ct, err := ReadPhoto(r)
	if err != nil {
		return "", err
	}
	ph := &Photo{ID: NewID(), ProductID: productID, ContentType: ct, Size: int64(len(data)), CreatedAt: s.Now().UTC()}
	path := filepath.Join(s.PhotoDir, ph.ID)
	if err := atomicfile.Write(path, data); err != nil {
		return "", fmt.Errorf("write photo: %w", err)
	}
	c := audit.Change{Actor: a.Name, Action: "add_photo", Entity: "product", EntityID: productID, After: ph}
	if err := s.store.AddPhoto(ctx, ph, c); err != nil {
		os.Remove(path)
		return "", err
	}
	return ph.ID, nil
}

// ReadPhoto reads a photo of at most MaxPhotoBytes and returns its bytes
// and the content type read from them, or refuses it naming the field
// "photo". Other domains that take photos (a need's proof of delivery) read
// them through it, so every photo in the data folder passed the same checks.
func ReadPhoto(r io.Reader) ([]byte, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPhotoBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("read photo: %w", err)
	}
	if len(data) == 0 {
		return nil, "", tide.Invalid("photo", "a photo is required")
	}
	if len(data) > MaxPhotoBytes {
		return nil, "", &tide.Error{Code: tide.ETOOLARGE, Field: "photo", Message: fmt.Sprintf("a photo may be at most %d bytes (5 MiB)", MaxPhotoBytes)}
	}
	ct, err := photoType(data)
	if err != nil {
		return nil, "", err
	}
	return data, ct, nil
}

// SavePhoto writes a photo read by ReadPhoto into dir under id, whole or
// not at all.
func SavePhoto(dir, id string, data []byte) error {
	if dir == "" {
		return fmt.Errorf("save photo: no photo folder is set")
	}
	if err := atomicfile.Write(filepath.Join(dir, id), data); err != nil {
		return fmt.Errorf("write photo: %w", err)
	}
	return nil
}

// photoType returns the content type of a photo from its bytes, or refuses
// it.
func photoType(data []byte) (string, error) {
	ct := http.DetectContentType(data)
	switch ct {
	case "image/jpeg", "image/png":
		if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
			return "", tide.Invalid("photo", "the photo is not a readable %s image", ct)
		}
	case "image/webp":
	default:
		return "", tide.Invalid("photo", "a photo must be a JPEG, PNG or WebP image, not %s", ct)
	}
	return ct, nil
}

// OpenPhoto opens a photo for reading; photos are public.
func (s *Service) OpenPhoto(ctx context.Context, photoID string) (io.ReadCloser, string, error) {
	ph, err := s.store.FindPhoto(ctx, photoID)
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(filepath.Join(s.PhotoDir, ph.ID))
	if os.IsNotExist(err) {
		return nil, "", tide.NotFound("photo")
	} else if err != nil {
		return nil, "", fmt.Errorf("open photo %s: %w", ph.ID, err)
	}
	return f, ph.ContentType, nil
}

// RemovePhoto takes a photo off its product and deletes its file.
func (s *Service) RemovePhoto(ctx context.Context, productID, photoID string) error {
	a, err := signedIn(ctx, "remove photos")
	if err != nil {
		return err
	}
	p, err := s.store.FindProduct(ctx, productID)
	if err != nil {
		return err
	}
	if _, err := s.sellerFor(ctx, a, p.SellerID, "seller"); err != nil {
		return tide.NotFound("product")
	}
	c := audit.Change{Actor: a.Name, Action: "remove_photo", Entity: "product", EntityID: productID,
		Before: map[string]string{"photo": photoID}}
	if err := s.store.RemovePhoto(ctx, productID, photoID, c); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(s.PhotoDir, photoID)); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove photo file %s: %w", photoID, err)
	}
	return nil
}
