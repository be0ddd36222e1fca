package market_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

func pngBytes(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func files(tb testing.TB, dir string) int {
	tb.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return len(es)
}

func TestPhotos(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		sh := newShop(t, db)
		p, _ := sh.onSale(t, &market.Seller{Name: "Co-op", Kind: market.KindCooperative, Region: county}, 100, 5)
		ctx := sh.asSeller()
		img := pngBytes(t)
		refused := []struct {
			name  string
			body  io.Reader
			code  string
			limit bool
		}{
			{"Text", strings.NewReader("just some words, no picture"), tide.EINVALID, false},
			{"JPEGMagicOnly", bytes.NewReader(append([]byte{0xff, 0xd8, 0xff, 0xe0}, []byte("not really a jpeg")...)), tide.EINVALID, false},
			{"OneByteOver", io.MultiReader(bytes.NewReader(img), bytes.NewReader(make([]byte, market.MaxPhotoBytes+1-len(img)))), tide.ETOOLARGE, true},
		}
		for _, tt := range refused {
			_, err := sh.svc.AddPhoto(ctx, p.ID, tt.body)
			wantCode(t, tt.name, err, tt.code, "photo")
			if tt.limit && !strings.Contains(tide.ErrorMessage(err), "5242880") {
				t.Errorf("%s: message %q does not name the limit", tt.name, tide.ErrorMessage(err))
			}
		}
		if n := files(t, sh.svc.PhotoDir); n != 0 {
			t.Fatalf("refused photos left %d files", n)
		}
		atLimit := append(append([]byte{}, img...), make([]byte, market.MaxPhotoBytes-len(img))...)
		big, err := sh.svc.AddPhoto(ctx, p.ID, bytes.NewReader(atLimit))
		if err != nil {
			t.Fatalf("photo of exactly the limit: %v", err)
		}
		id, err := sh.svc.AddPhoto(ctx, p.ID, bytes.NewReader(img))
		if err != nil {
			t.Fatal(err)
		}
		_, err = sh.svc.AddPhoto(asBuyer(context.Background(), 5), p.ID, bytes.NewReader(img))
		wantCode(t, "a buyer adds a photo", err, tide.ENOTFOUND, "")
		got, err := sh.svc.FindProduct(context.Background(), p.ID)
		if err != nil || len(got.Photos) != 2 || got.Photos[0] != big || got.Photos[1] != id {
			t.Errorf("product photos = %v, %v; want [%s %s]", got.Photos, err, big, id)
		}
		rc, ct, err := sh.svc.OpenPhoto(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := io.ReadAll(rc)
		rc.Close()
		if ct != "image/png" || !bytes.Equal(back, img) {
			t.Errorf("photo = %s, %d bytes; want image/png, %d bytes", ct, len(back), len(img))
		}
		// An update of the product keeps its photos.
		got.Stock = 9
		if err := sh.svc.UpdateProduct(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := sh.svc.RemovePhoto(ctx, p.ID, big); err != nil {
			t.Fatal(err)
		}
		if got, _ := sh.svc.FindProduct(context.Background(), p.ID); len(got.Photos) != 1 || got.Photos[0] != id {
			t.Errorf("photos after removal = %v, want [%s]", got.Photos, id)
		}
		if _, _, err := sh.svc.OpenPhoto(context.Background(), big); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("removed photo: %v, want not found", err)
		}
		if n := files(t, sh.svc.PhotoDir); n != 1 {
			t.Errorf("files after removal = %d, want 1", n)
		}
		wantCode(t, "remove twice", sh.svc.RemovePhoto(ctx, p.ID, big), tide.ENOTFOUND, "")
	})
}
