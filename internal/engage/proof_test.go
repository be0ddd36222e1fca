package engage_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tide-project/tide/internal/engage"
	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/sqlstore"
	"github.com/tide-project/tide/internal/tide"
)

// TestDeliveryProof checks that a delivery needs a note and a real photo,
// that a refused one writes nothing, neither state nor money nor file, and
// that the proof is public while the household is not.
func TestDeliveryProof(t *testing.T) {
	sqlstore.EachDialect(t, func(t *testing.T, db *sqlstore.DB) {
		b := newBench(t, db)
		n := &engage.Need{Kind: engage.ForHousehold, Region: village, Household: b.household, Title: "A roof",
			Description: "Tiles for a leaking roof", Amount: 3000, Currency: "CNY"}
		if err := b.svc.CreateNeed(as(registrar), n); err != nil {
			t.Fatal(err)
		}
		if _, err := b.svc.ApproveNeed(as(county1), n.ID); err != nil {
			t.Fatal(err)
		}
		b.give(t, 10, n.ID, 3000)
		_, txs := b.ledger(t)

		big := append(photo(t), make([]byte, market.MaxPhotoBytes)...)
		for _, c := range []struct {
			name  string
			proof engage.Proof
			code  string
			field string
		}{
			{"ErrNoNote", engage.Proof{Note: "  ", Photo: bytes.NewReader(photo(t))}, tide.EINVALID, "note"},
			{"ErrLongNote", engage.Proof{Note: strings.Repeat("x", engage.MaxNote+1), Photo: bytes.NewReader(photo(t))}, tide.EINVALID, "note"},
			{"ErrNoPhoto", engage.Proof{Note: "Tiles handed over"}, tide.EINVALID, "photo"},
			{"ErrEmptyPhoto", engage.Proof{Note: "Tiles handed over", Photo: strings.NewReader("")}, tide.EINVALID, "photo"},
			{"ErrNotAnImage", engage.Proof{Note: "Tiles handed over", Photo: strings.NewReader("<html>a page</html>")}, tide.EINVALID, "photo"},
			{"ErrBrokenPNG", engage.Proof{Note: "Tiles handed over", Photo: bytes.NewReader(photo(t)[:20])}, tide.EINVALID, "photo"},
			{"ErrTooLarge", engage.Proof{Note: "Tiles handed over", Photo: bytes.NewReader(big)}, tide.ETOOLARGE, "photo"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := b.svc.DeliverNeed(as(registrar), n.ID, c.proof)
				var e *tide.Error
				if tide.ErrorCode(err) != c.code || !errors.As(err, &e) || e.Field != c.field {
					t.Fatalf("deliver: %v, want %s naming %s", err, c.code, c.field)
				}
				got, _ := db.FindNeed(context.Background(), n.ID)
				if got.State != engage.NeedFunded || got.Delivered != 0 || got.DeliveryPhoto != "" || got.DeliveryNote != "" {
					t.Errorf("after a refused delivery the need is %s, delivered %d, photo %q, note %q", got.State, got.Delivered, got.DeliveryPhoto, got.DeliveryNote)
				}
				if _, after := b.ledger(t); after != txs {
					t.Errorf("ledger transactions %d, want %d", after, txs)
				}
				if files, _ := os.ReadDir(b.svc.PhotoDir); len(files) != 0 {
					t.Errorf("photo folder holds %d files after a refused delivery", len(files))
				}
			})
		}
		if _, _, err := b.svc.OpenDeliveryPhoto(context.Background(), n.ID); tide.ErrorCode(err) != tide.ENOTFOUND {
			t.Errorf("photo of an undelivered need: %v, want ENOTFOUND", err)
		}

		// The phone wrote where the photo was taken into it; the public copy
		// must not say.
		const where = "GPS 26.5667N 107.9833E"
		tagged := withText(t, photo(t), "Location", where)
		dn, err := b.svc.DeliverNeed(as(registrar), n.ID, engage.Proof{Note: "Tiles handed over and laid", Photo: bytes.NewReader(tagged)})
		if err != nil {
			t.Fatalf("deliver: %v", err)
		}
		if dn.State != engage.NeedDelivered || dn.DeliveryPhoto == "" || dn.DeliveryPhotoType != "image/png" || dn.DeliveryNote != "Tiles handed over and laid" {
			t.Errorf("delivered need = %s, photo %q (%s), note %q", dn.State, dn.DeliveryPhoto, dn.DeliveryPhotoType, dn.DeliveryNote)
		}
		rc, ct, err := b.svc.OpenDeliveryPhoto(context.Background(), n.ID)
		if err != nil {
			t.Fatalf("open the delivery photo: %v", err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if ct != "image/png" || !bytes.Equal(got, photo(t)) {
			t.Errorf("delivery photo is %d bytes of %s, want the %d uploaded of image/png without its text", len(got), ct, len(photo(t)))
		}
		if bytes.Contains(got, []byte(where)) {
			t.Errorf("the public delivery photo still says where it was taken")
		}

		pub, err := b.svc.PublicNeed(context.Background(), n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.In != 3000 || pub.Out != 3000 || pub.DeliveryNote == "" || !pub.DeliveryPhoto {
			t.Errorf("public need: in %d, out %d, note %q, photo %v; want 3000, 3000, the note and a photo", pub.In, pub.Out, pub.DeliveryNote, pub.DeliveryPhoto)
		}
		js, _ := json.Marshal(pub)
		for _, private := range []string{b.household, "Li Hua", dn.DeliveryPhoto} {
			if strings.Contains(string(js), private) {
				t.Errorf("the public need shows %q: %s", private, js)
			}
		}
	})
}

// withText puts a PNG text chunk after the header chunk, as a phone's
// camera might.
func withText(tb testing.TB, data []byte, key, value string) []byte {
	tb.Helper()
	const afterIHDR = 8 + 12 + 13
	payload := key + "\x00" + value
	c := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	c = append(append(c, "tEXt"...), payload...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	out := append(append(append([]byte{}, data[:afterIHDR]...), c...), data[afterIHDR:]...)
	if !bytes.Contains(out, []byte(value)) {
		tb.Fatal("the text chunk was not added")
	}
	return out
}
