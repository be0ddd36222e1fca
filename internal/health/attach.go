package health

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // registers JPEG for image.DecodeConfig
	_ "image/png"  // registers PNG for image.DecodeConfig
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tide-project/tide/internal/tide"
)

// Limits of attachments.
const (
	MaxAttachments     = 5
	MaxAttachmentBytes = 10 << 20
)

// Upload is a file as it arrives: the name and type the sender claims, and
// the bytes, which decide.
type Upload struct {
	Name string
	// ContentType is the type the sender declared; empty or
	// application/octet-stream claims nothing beyond the name.
	ContentType string
	Data        []byte
}

// The types an attachment may be, by the extensions that claim them.
var attachmentTypes = map[string]string{
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf",
}

// checkUpload reads an upload's type from its bytes and refuses it when that
// is not an image or PDF, when its name or declared type claims something
// else, or when it is too large.
func checkUpload(field string, u Upload) (*Attachment, error) {
	name := strings.TrimSpace(filepath.Base(u.Name))
	if name == "" || name == "." || utf8.RuneCountInString(name) > MaxName {
		return nil, tide.Invalid(field, "an attachment needs a file name of at most %d characters", MaxName)
	}
	if len(u.Data) == 0 {
		return nil, tide.Invalid(field, "%s is empty", name)
	}
	if len(u.Data) > MaxAttachmentBytes {
		return nil, &tide.Error{Code: tide.ETOOLARGE, Field: field,
			Message: fmt.Sprintf("%s is larger than %d bytes (10 MiB)", name, MaxAttachmentBytes)}
	}
	sniffed := http.DetectContentType(u.Data)
	switch sniffed {
	case "image/jpeg", "image/png":
		if _, _, err := image.DecodeConfig(bytes.NewReader(u.Data)); err != nil {
			return nil, tide.Invalid(field, "%s is not a readable %s image", name, sniffed)
		}
	case "application/pdf":
	default:
		return nil, tide.Invalid(field, "%s is %s; an attachment must be a JPEG or PNG image or a PDF", name, sniffed)
	}
	claimed, ok := attachmentTypes[strings.ToLower(filepath.Ext(name))]
	if !ok {
		return nil, tide.Invalid(field, "%s must end in .jpg, .jpeg, .png or .pdf", name)
	}
	if claimed != sniffed {
		return nil, tide.Invalid(field, "%s is named as %s but its content is %s", name, claimed, sniffed)
	}
	if ct, _, _ := strings.Cut(u.ContentType, ";"); ct != "" && ct != "application/octet-stream" && strings.TrimSpace(ct) != sniffed {
		return nil, tide.Invalid(field, "%s is sent as %s but its content is %s", name, ct, sniffed)
	}
	return &Attachment{ID: NewID(), Name: name, ContentType: sniffed, Size: int64(len(u.Data))}, nil
}
