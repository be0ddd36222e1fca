package market_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/tide-project/tide/internal/market"
	"github.com/tide-project/tide/internal/tide"
)

// whereTaken is what a phone's metadata might say about where a photo was taken.
const whereTaken = "GPS 26.5667N 107.9833E"

// withJPEGSegment puts an APP1 or comment segment holding payload after a
// JPEG's start marker.
func withJPEGSegment(data []byte, marker byte, payload string) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

// withPNGChunk puts a chunk after a PNG's header chunk.
func withPNGChunk(data []byte, kind, payload string) []byte {
	const afterIHDR = 8 + 12 + 13
	c := make([]byte, 4, 12+len(payload))
	binary.BigEndian.PutUint32(c, uint32(len(payload)))
	c = append(append(c, kind...), payload...)
	c = binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
	return append(append(append([]byte{}, data[:afterIHDR]...), c...), data[afterIHDR:]...)
}

// webpChunk is one RIFF chunk, padded to an even length.
func webpChunk(fourcc string, payload []byte) []byte {
	c := append([]byte(fourcc), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(payload)))
	c = append(c, payload...)
	if len(payload)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func TestStripMetadata(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	var j, p bytes.Buffer
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 | 0x04 // says EXIF and XMP follow
	var webp []byte
	webp = append(webp, "RIFF\x00\x00\x00\x00WEBP"...)
	webp = append(webp, webpChunk("VP8X", vp8x)...)
	webp = append(webp, webpChunk("VP8L", []byte{0x2f, 1, 2, 3, 4})...)
	webp = append(webp, webpChunk("EXIF", []byte("Exif "+whereTaken))...)
	webp = append(webp, webpChunk("XMP ", []byte("<x>"+whereTaken+"</x>"))...)
	binary.LittleEndian.PutUint32(webp[4:], uint32(len(webp)-8))

	for _, tc := range []struct {
		name, ct string
		data     []byte
		decodes  bool
	}{
		{"JPEGExif", "image/jpeg", withJPEGSegment(j.Bytes(), 0xE1, "Exif\x00\x00"+whereTaken), true},
		{"JPEGComment", "image/jpeg", withJPEGSegment(j.Bytes(), 0xFE, whereTaken), true},
		{"PNGText", "image/png", withPNGChunk(p.Bytes(), "tEXt", "Location\x00"+whereTaken), true},
		{"PNGExif", "image/png", withPNGChunk(p.Bytes(), "eXIf", whereTaken), true},
		{"WebP", "image/webp", webp, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := market.StripMetadata(tc.data, tc.ct)
			if err != nil {
				t.Fatalf("strip: %v", err)
			}
			if bytes.Contains(got, []byte(whereTaken)) {
				t.Errorf("the stripped photo still holds %q", whereTaken)
			}
			if tc.decodes {
				if _, format, err := image.Decode(bytes.NewReader(got)); err != nil {
					t.Errorf("the stripped %s does not decode: %v", format, err)
				}
			}
			if tc.ct == "image/webp" {
				if size := binary.LittleEndian.Uint32(got[4:]); int(size) != len(got)-8 {
					t.Errorf("RIFF size %d, want %d", size, len(got)-8)
				}
				if got[20]&0x0C != 0 {
					t.Errorf("VP8X still flags EXIF or XMP: %#x", got[20])
				}
				if !bytes.Contains(got, []byte("VP8L")) {
					t.Error("the image chunk went with the metadata")
				}
			}
		})
	}
	t.Run("PlainKeptWhole", func(t *testing.T) {
		if got, err := market.StripMetadata(p.Bytes(), "image/png"); err != nil || !bytes.Equal(got, p.Bytes()) {
			t.Errorf("a PNG without metadata changed: %v", err)
		}
	})
	t.Run("ErrTruncated", func(t *testing.T) {
		data := withJPEGSegment(j.Bytes(), 0xE1, "Exif\x00\x00"+whereTaken)
		if _, err := market.StripMetadata(data[:30], "image/jpeg"); tide.ErrorCode(err) != tide.EINVALID {
			t.Errorf("a truncated JPEG: %v, want EINVALID", err)
		}
	})
}
