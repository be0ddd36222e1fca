package market

import (
	"bytes"
	"encoding/binary"

	"github.com/tide-project/tide/internal/tide"
)

// StripMetadata returns a photo without the metadata a camera or phone
// writes into it — EXIF (which may hold where the photo was taken), XMP,
// comments and text — so that a public photo says no more than its pixels.
// The image data is copied as it is; only the orientation a camera notes in
// EXIF is lost. A photo whose structure cannot be followed is refused,
// naming the field "photo", since it could not be cleaned.
func StripMetadata(data []byte, contentType string) ([]byte, error) {
	var out []byte
	var ok bool
	switch contentType {
	case "image/jpeg":
		out, ok = stripJPEG(data)
	case "image/png":
		out, ok = stripPNG(data)
	case "image/webp":
		out, ok = stripWebP(data)
	}
	if !ok {
		return nil, tide.Invalid("photo", "the photo's %s structure could not be read to remove its metadata", contentType)
	}
	return out, nil
}

// stripJPEG drops the APP1 to APP15 and comment segments before the scan.
func stripJPEG(data []byte) ([]byte, bool) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, false
	}
	out := append(make([]byte, 0, len(data)), 0xFF, 0xD8)
	for i := 2; ; {
		if i+4 > len(data) || data[i] != 0xFF {
			return nil, false
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil, false
		}
		if marker == 0xDA { // start of scan: the rest is image data
			return append(out, data[i:]...), true
		}
		if !(marker >= 0xE1 && marker <= 0xEF || marker == 0xFE) {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
}

// pngDropped are the chunks that carry text, time or EXIF.
var pngDropped = map[string]bool{"tEXt": true, "zTXt": true, "iTXt": true, "eXIf": true, "tIME": true}

// stripPNG drops the text, time and EXIF chunks.
func stripPNG(data []byte) ([]byte, bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(data, []byte(sig)) {
		return nil, false
	}
	out := append(make([]byte, 0, len(data)), sig...)
	for i := len(sig); i < len(data); {
		if i+12 > len(data) {
			return nil, false
		}
		n := int(binary.BigEndian.Uint32(data[i:]))
		end := i + 12 + n
		if n < 0 || end > len(data) || end < i {
			return nil, false
		}
		if !pngDropped[string(data[i+4:i+8])] {
			out = append(out, data[i:end]...)
		}
		i = end
	}
	return out, true
}

// stripWebP drops the EXIF and XMP chunks and clears their flags in the
// extended header.
func stripWebP(data []byte) ([]byte, bool) {
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, false
	}
	out := append(make([]byte, 0, len(data)), data[:12]...)
	for i := 12; i < len(data); {
		if i+8 > len(data) {
			return nil, false
		}
		fourcc := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		end := i + 8 + n + n%2
		if n < 0 || end > len(data) || end < i {
			return nil, false
		}
		switch fourcc {
		case "EXIF", "XMP ":
		case "VP8X":
			start := len(out)
			out = append(out, data[i:end]...)
			if n > 0 {
				out[start+8] &^= 0x08 | 0x04 // the EXIF and XMP flags
			}
		default:
			out = append(out, data[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, true
}
